// The dashboard (web/, built by `npm run build` into dist/web) served at `/`. Hashed files
// under /assets are cached for a year (immutable); index.html is revalidated on every load
// (no-cache) so a new release is picked up at once. Paths that are not API paths and not
// files fall back to index.html (client-side routing); API paths keep their JSON 404s.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';

/** Path prefixes that belong to the API: never answered with the app. */
export const API_PREFIXES = ['/v1', '/coingecko', '/integrations', '/metrics', '/docs', '/healthz', '/readyz', '/openapi.json'];

export const isApiPath = (path: string) => API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}?`));

/** The built dashboard: dist/web next to the compiled code, or beside the sources (tsx). */
export function webRoot(explicit = process.env.WICK_WEB_DIR): string | null {
  const candidates = explicit ? [explicit] : [fileURLToPath(new URL('../web', import.meta.url)), fileURLToPath(new URL('../../dist/web', import.meta.url))];
  return candidates.find((d) => existsSync(`${d}/index.html`)) ?? null;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

const wantsHtml = (req: FastifyRequest) => (req.method === 'GET' || req.method === 'HEAD') && /text\/html/.test(req.headers.accept ?? '');

export interface WebApp {
  root: string | null;
  index: Buffer | null;
}

export function loadWeb(root: string | null = webRoot()): WebApp {
  return { root, index: root ? readFileSync(`${root}/index.html`) : null };
}

const sendIndex = (web: WebApp, reply: FastifyReply) => reply.type('text/html; charset=utf-8').header('cache-control', REVALIDATE).send(web.index);

/**
 * For the not-found handler: client-side routes (/markets/…, /admin) get the app; API
 * paths and missing files keep the JSON 404 (returns false).
 */
export function webFallback(web: WebApp, req: FastifyRequest, reply: FastifyReply): boolean {
  const path = req.url.split('?')[0];
  if (!web.index || isApiPath(path) || !wantsHtml(req) || /\.[a-z0-9]+$/i.test(path)) return false;
  sendIndex(web, reply);
  return true;
}

/**
 * Serves the dashboard's files. `info` answers `GET /` for clients that ask for JSON (and
 * when the dashboard is not built), so `curl /` keeps telling where the API is.
 */
export async function webRoutes(app: FastifyInstance, web: WebApp, info: () => unknown): Promise<void> {
  app.get('/', { schema: { hide: true }, config: { scope: 'public' } }, async (req, reply) => {
    if (web.index && wantsHtml(req)) return sendIndex(web, reply);
    return info();
  });
  const root = web.root;
  if (!root || !web.index) return;
  await app.register(async (scope) => {
    // Static files are public even when reads need a key: they hold no data.
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), scope: 'public' } as typeof route.config;
      route.schema = { ...route.schema, hide: true };
    });
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders: (res, path) => {
        res.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? IMMUTABLE : REVALIDATE);
      },
    });
  });
}
