// Benchmarks that print ratios against a baseline measured in the same run:
//  1. ingest: the recorded XRP/ETH trades replayed 100x (~1.25M trades) through Wick's
//     write path (trades + candles + cursor, idempotent), next to a raw COPY of the same
//     rows into a bare table;
//  2. candle reads over HTTP: 1 day of 1m candles, 30 days of 1h (stored) and 30 days of 2h
//     (rolled up), next to a bare Fastify route returning the same bytes;
//  3. CoinGecko-compatible reads: requests/s of /coingecko/api/v3/simple/price and
//     /coins/markets (served from the stored analytics results) next to a bare route
//     returning the same bytes.
// Runs on a fresh embedded Postgres (or DATABASE_URL's server, in a new database).
//   npm run bench [-- --copies 100 --requests 300]
import { mkdtemp, rm } from 'node:fs/promises';
import { chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { from as copyFrom } from 'pg-copy-streams';
import { buildApi } from '../src/api/app.js';
import { computeAnalytics } from '../src/analytics/compute.js';
import { parseConfig } from '../src/config/load.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { upsertMarkets, upsertVenue } from '../src/ingest/catalog.js';
import { writeTrades } from '../src/ingest/writers.js';
import type { Trade } from '../src/domain/types.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const COPIES = Number(args.get('copies') ?? 100);
const REQUESTS = Number(args.get('requests') ?? 300);
const BATCH = 5000;
const fixtures = process.env.WICK_FIXTURES ?? new URL('../../shared/fixtures/', import.meta.url).pathname;
const log = pino({ level: 'warn' });

type Row = [number, string, null, 'buy' | 'sell', number, number, number];
const base: Row[] = JSON.parse(gunzipSync(readFileSync(join(fixtures, 'market/XRP_ETH-trades.json.gz'))).toString('utf8'));

/** The fixture repeated COPIES times back to back, with fresh ids and shifted times. */
function replicated(): Trade[] {
  const span = base[base.length - 1][0] - base[0][0] + 60_000;
  const out: Trade[] = new Array(base.length * COPIES);
  let k = 0;
  for (let c = 0; c < COPIES; c++) {
    for (const [ts, id, , side, price, amount] of base) out[k++] = { ts: ts + c * span, id: `${c}-${id}`, side, price: String(price), amount: String(amount) };
  }
  return out;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function main() {
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | null = null;
  let dir: string | null = null;
  if (!adminUrl) {
    dir = await mkdtemp(join(tmpdir(), 'wick-bench-'));
    await chmod(dir, 0o755);
    const server = await startEmbeddedPostgres(dir, 0, log);
    adminUrl = server.url;
    stopEmbedded = server.stop;
  }
  const dbName = `wick_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const pool = createPool({ url: url.toString(), max: 10, statementTimeoutMs: 600_000, applicationName: 'wick-bench' });
  try {
    await migrate(pool);
    const trades = replicated();
    console.log(`Wick benchmarks — ${process.env.DATABASE_URL ? 'external Postgres' : 'embedded Postgres'}, Node ${process.version}`);
    console.log(`\n1) Ingest: ${fmt(trades.length)} trades (the recorded XRP/ETH trades x${COPIES})`);

    // Baseline: COPY the same rows into a bare table (no keys, no indexes, no candles).
    await pool.query(`CREATE UNLOGGED TABLE IF NOT EXISTS bench_copy (market_pk int, ts timestamptz, trade_id text, price numeric, amount numeric, side text)`);
    await pool.query(`ALTER TABLE bench_copy SET LOGGED`);
    const c = await pool.connect();
    let t = performance.now();
    await pipeline(Readable.from((function* () {
      for (let i = 0; i < trades.length; i += 10_000) {
        let chunk = '';
        for (const tr of trades.slice(i, i + 10_000)) chunk += `1\t${new Date(tr.ts).toISOString()}\t${tr.id}\t${tr.price}\t${tr.amount}\t${tr.side}\n`;
        yield chunk;
      }
    })()), c.query(copyFrom('COPY bench_copy FROM STDIN')));
    const copySec = (performance.now() - t) / 1000;
    c.release();

    await upsertVenue(pool, 'binance', 'exchange');
    const pk = (await upsertMarkets(pool, [{ venue: 'binance', symbol: 'XRP/ETH', base: 'XRP', quote: 'ETH' }])).get('XRP/ETH')!.pk;
    t = performance.now();
    for (let i = 0; i < trades.length; i += BATCH) {
      await writeTrades(pool, pk, trades.slice(i, i + BATCH), 'bench', 'trades:binance:XRP-ETH', { index: i + BATCH });
    }
    const wickSec = (performance.now() - t) / 1000;
    // Re-ingesting the same rows (a retry or replay) is a no-op.
    t = performance.now();
    for (let i = 0; i < trades.length; i += BATCH) {
      await writeTrades(pool, pk, trades.slice(i, i + BATCH), 'bench', 'trades:binance:XRP-ETH', { index: i + BATCH });
    }
    const againSec = (performance.now() - t) / 1000;
    const candles = (await pool.query(`SELECT count(*)::int AS n FROM candles`)).rows[0].n;
    console.log(`   raw COPY into a bare table     ${fmt(trades.length / copySec).padStart(12)} rows/s  (${fmt(copySec, 2)} s)`);
    console.log(`   Wick ingest (batches of ${BATCH})  ${fmt(trades.length / wickSec).padStart(12)} rows/s  (${fmt(wickSec, 2)} s; trades + ${fmt(candles)} candles at 6 resolutions + cursor, per batch in one transaction)`);
    console.log(`   Wick re-ingest of the same rows ${fmt(trades.length / againSec).padStart(11)} rows/s  (${fmt(againSec, 2)} s; nothing changes)`);
    console.log(`   ratio Wick / COPY: ${fmt(copySec / wickSec, 3)} (Wick takes ${fmt(wickSec / copySec, 2)}x the time of a bare COPY)`);

    // 2) Candle reads over HTTP.
    const config = parseConfig({ log: { level: 'warn' } });
    const api = await buildApi({ pool, config, log });
    await api.listen({ host: '127.0.0.1', port: 0 });
    const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
    const last = trades[trades.length - 1].ts;
    const day = 86_400_000;
    const cases = [
      ['1 day of 1m candles', `resolution=1m&from=${last - day}&to=${last}&limit=5000`],
      ['30 days of 1h candles (stored)', `resolution=1h&from=${last - 30 * day}&to=${last}&limit=5000`],
      ['30 days of 2h candles (rolled up)', `resolution=2h&from=${last - 30 * day}&to=${last}&limit=5000`],
    ] as const;
    console.log(`\n2) Candle reads over HTTP (${REQUESTS} sequential requests each, keep-alive)`);
    for (const [label, qs] of cases) {
      const path = `/v1/markets/binance:XRP-ETH/candles?${qs}`;
      const body = await (await fetch(apiUrl + path)).text();
      const n = JSON.parse(body).candles.length;
      // Baseline: a bare Fastify route answering the same bytes.
      const bare = Fastify();
      bare.get('/same', async (_req, reply) => reply.type('application/json').send(body));
      await bare.listen({ host: '127.0.0.1', port: 0 });
      const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/same`;
      const time = async (u: string) => {
        const xs: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          const s = performance.now();
          await (await fetch(u)).arrayBuffer();
          xs.push(performance.now() - s);
        }
        return xs.sort((a, b) => a - b);
      };
      await time(bareUrl); // warm up both
      const wickMs = await time(apiUrl + path);
      const bareMs = await time(bareUrl);
      await bare.close();
      console.log(`   ${label.padEnd(36)} ${String(n).padStart(5)} candles  p50 ${fmt(percentile(wickMs, 0.5), 2)} ms  p99 ${fmt(percentile(wickMs, 0.99), 2)} ms` +
        `   | bare route p50 ${fmt(percentile(bareMs, 0.5), 2)} ms  → ratio ${fmt(percentile(wickMs, 0.5) / percentile(bareMs, 0.5), 1)}x`);
    }

    // 3) CoinGecko-compatible reads from the stored analytics results. ETH/USDT trades in the
    // last hour give XRP a USD price through its ETH quote.
    const eth = (await upsertMarkets(pool, [{ venue: 'binance', symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT' }])).get('ETH/USDT')!.pk;
    await writeTrades(pool, eth, Array.from({ length: 120 }, (_, i) => ({ ts: last - i * 30_000, id: `e${i}`, side: 'buy' as const, price: String(2000 + (i % 7)), amount: '0.5' })), 'bench', 'trades:binance:ETH-USDT', {});
    await computeAnalytics(pool, config.analytics, last + 60_000);
    console.log(`\n3) CoinGecko-compatible reads (${REQUESTS} sequential requests each, keep-alive, identity encoding)`);
    for (const path of ['/coingecko/api/v3/simple/price?ids=xrp,eth&vs_currencies=usd,eth&include_24hr_vol=true&include_24hr_change=true', '/coingecko/api/v3/coins/markets?vs_currency=usd&price_change_percentage=1h,24h,7d']) {
      const headers = { 'accept-encoding': 'identity' };
      const body = await (await fetch(apiUrl + path, { headers })).text();
      const bare = Fastify();
      bare.get('/same', async (_req, reply) => reply.type('application/json').send(body));
      await bare.listen({ host: '127.0.0.1', port: 0 });
      const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/same`;
      const rps = async (u: string) => {
        const s = performance.now();
        for (let i = 0; i < REQUESTS; i++) await (await fetch(u, { headers })).arrayBuffer();
        return REQUESTS / ((performance.now() - s) / 1000);
      };
      await rps(bareUrl);
      await rps(apiUrl + path); // warm up both
      const wickRps = await rps(apiUrl + path);
      const bareRps = await rps(bareUrl);
      await bare.close();
      console.log(`   ${path.split('?')[0].replace('/coingecko/api/v3', '').padEnd(16)} ${String(body.length).padStart(6)} bytes  Wick ${fmt(wickRps).padStart(6)} req/s  | bare route ${fmt(bareRps).padStart(6)} req/s  → Wick at ${fmt((100 * wickRps) / bareRps)} % of bare`);
    }
    await api.close();
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await stopEmbedded?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
