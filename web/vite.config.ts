// The dashboard's build (npm run build → dist/web, served by Wick at /) and dev server
// (npm run dev: hot reload, API calls proxied to a local Wick, WICK_API or http://127.0.0.1:8080).
import preact from '@preact/preset-vite';
import tailwindcss from '@tailwindcss/vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const api = process.env.WICK_API ?? 'http://127.0.0.1:8080';
const prefixes = ['/v1', '/coingecko', '/integrations', '/metrics', '/docs', '/healthz', '/readyz', '/openapi.json'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [preact(), tailwindcss()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(prefixes.map((p) => [p, { target: api, changeOrigin: false, ws: p === '/v1' }])),
  },
});
