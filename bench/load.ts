// Load and fault runs against real processes (bounded duration, ~3 minutes):
//  1. sustained load on the hot read routes of a `wick api` child process, from this process
//     (autocannon): requests/s, p50/p99, errors, API memory before/after;
//  2. pool exhaustion: an API with 2 connections under 64 concurrent heavy requests must shed
//     load with 503 + Retry-After, never time out or fail otherwise, and recover;
//  3. Postgres restarted during ingest by a `wick worker`: it reconnects and ends with every row
//     exactly once;
//  4. kill -9 of the worker mid-batch, then a restart: resumes exactly;
//  5. an upstream that hangs: the ingest pass gives up after the source's timeout and the
//     process stays healthy.
// Uses its own embedded Postgres in a temporary directory (never the machine's service).
//   npm run bench:load [-- --duration 10]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { createSource } from '../src/sources/registry.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const DURATION = Number(args.get('duration') ?? 10);
const COPIES = Number(args.get('copies') ?? 30);
const fixtures = process.env.WICK_FIXTURES ?? new URL('../../shared/fixtures/', import.meta.url).pathname;
const log = pino({ level: 'warn' });
const require = createRequire(import.meta.url);
const TSX = require.resolve('tsx');
const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const M = 'binance:XRP-ETH';
const SKIP = new Set((args.get('skip') ?? '').split(',')); // e.g. --skip load

type Row = [number, string, null, 'buy' | 'sell', number, number, number];
const base: Row[] = JSON.parse(gunzipSync(readFileSync(join(fixtures, 'market/XRP_ETH-trades.json.gz'))).toString('utf8'));

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

interface Child { proc: ChildProcess; out: () => string }
function wick(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', TSX, CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return { proc, out: () => out };
}
const exited = (c: Child) => (c.proc.exitCode !== null ? Promise.resolve(c.proc.exitCode) : new Promise((r) => c.proc.once('exit', r)));

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function startApi(url: string, config?: string): Promise<{ child: Child; base: string }> {
  const port = await freePort();
  const env: Record<string, string> = { DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1' };
  if (config) env.WICK_CONFIG = config;
  const child = wick(['api'], env);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('the API', async () => (await fetch(`${base}/readyz`)).ok);
  return { child, base };
}

async function rss(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^wick_process_resident_memory_bytes (\d+)/m.exec(text)![1]);
}

const mb = (n: number) => `${(n / 1_048_576).toFixed(0)} MB`;
async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'wick-load-'));
  await chmod(dir, 0o755);
  const pgPort = await freePort();
  let pg: EmbeddedServer = await startEmbeddedPostgres(join(dir, 'data'), pgPort, log);
  const url = pg.url;
  const pool = createPool({ url, max: 4, statementTimeoutMs: 120_000, applicationName: 'bench' });
  const report: string[] = [];
  try {
    await migrate(pool);
    const cfg = parseConfig({ sources: [{ id: 'fx', type: 'replay', venue: 'binance', market: 'XRP/ETH', file: 'market/XRP_ETH-trades.json.gz' }] });
    await new SourceRunner(await createSource(cfg.sources[0], fixtures), pool, log).runPass({ kind: 'trades', every: null }, new AbortController().signal);

    // 1. Sustained load on the hot read routes.
    if (!SKIP.has('load')) {
    const api = await startApi(url);
    const routes = ['/v1/markets', `/v1/markets/${M}`, `/v1/markets/${M}/candles?resolution=1h&limit=100`, `/v1/markets/${M}/trades?limit=100`, '/v1/tickers'];
    const before = await rss(api.base);
    console.log(`\n1. sustained load: ${DURATION} s per route, 16 connections, API in a child process`);
    console.log('route'.padEnd(52), 'req/s'.padStart(8), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'errors'.padStart(7));
    let errors = 0;
    for (const r of routes) {
      const res = await autocannon({ url: api.base + r, connections: 16, duration: DURATION });
      const bad = res.errors + res.timeouts + res.non2xx;
      errors += bad;
      console.log(r.padEnd(52), res.requests.average.toFixed(0).padStart(8), String(res.latency.p50).padStart(8), String(res.latency.p99).padStart(8), String(bad).padStart(7));
    }
    const after = await rss(api.base);
    console.log(`API memory (RSS): ${mb(before)} before, ${mb(after)} after; errors: ${errors}`);
    report.push(`load: ${errors === 0 ? 'survived' : 'FAILED'} (${errors} errors)`);
    api.child.proc.kill('SIGTERM');
    await exited(api.child);

    // 2. Pool exhaustion.
    const small = join(dir, 'small.yaml');
    await writeFile(small, 'database:\n  poolSize: 2\n  maxWaiting: 4\n  acquireTimeoutMs: 1000\n');
    const tight = await startApi(url, small);
    const heavy = `/v1/markets/${M}/candles?resolution=1m&limit=5000`;
    const res = await autocannon({ url: tight.base + heavy, connections: 64, duration: Math.min(DURATION, 5) });
    const byStatus = Object.fromEntries(Object.entries(res.statusCodeStats as Record<string, { count: number }>).map(([k, v]) => [k, v.count]));
    const other = Object.entries(byStatus).filter(([k]) => k !== '200' && k !== '503').reduce((a, [, n]) => a + n, 0) + res.errors + res.timeouts;
    const recovered = (await fetch(tight.base + heavy)).status === 200 && (await fetch(`${tight.base}/readyz`)).ok;
    console.log(`\n2. pool exhaustion: poolSize 2, 64 connections on ${heavy}`);
    console.log(`statuses ${JSON.stringify(byStatus)}, other errors/timeouts ${other}, p99 ${res.latency.p99} ms, recovered: ${recovered}`);
    report.push(`pool exhaustion: ${other === 0 && recovered && (byStatus['503'] ?? 0) > 0 ? 'survived (shed with 503)' : other === 0 && recovered ? 'survived (no shedding needed)' : 'FAILED'}`);
    tight.child.proc.kill('SIGTERM');
    await exited(tight.child);
    }

    // 2b. Postgres restarted under read load: the API answers 503 + Retry-After while it is
    // gone (never hangs or crashes) and serves again once it is back.
    {
      const live = await startApi(url);
      const running = autocannon({ url: `${live.base}/v1/markets/${M}`, connections: 8, duration: 8 });
      await sleep(2000);
      await pg.stop();
      await sleep(1000);
      pg = await startEmbeddedPostgres(join(dir, 'data'), pgPort, log);
      const r = await running;
      const byStatus = Object.fromEntries(Object.entries(r.statusCodeStats as Record<string, { count: number }>).map(([k, v]) => [k, v.count]));
      const other = Object.entries(byStatus).filter(([k]) => k !== '200' && k !== '503').reduce((a, [, n]) => a + n, 0) + r.errors + r.timeouts;
      const back = await waitFor('the API to serve again', async () => (await fetch(`${live.base}/v1/markets/${M}`)).status === 200, 30_000).catch(() => false);
      console.log(`\n2b. Postgres restarted during 8 s of load: statuses ${JSON.stringify(byStatus)}, other errors/timeouts ${other}, serving again: ${back}, API alive: ${live.child.proc.exitCode === null}`);
      report.push(`Postgres restart during load: ${other === 0 && back && live.child.proc.exitCode === null ? 'survived (503 while down)' : 'FAILED'}`);
      live.child.proc.kill('SIGTERM');
      await exited(live.child);
    }

    // A bigger recorded file (the fixture repeated with new ids and later times) for the ingest faults.
    const span = base.at(-1)![0] - base[0][0] + 1000;
    const big: Row[] = [];
    for (let c = 0; c < COPIES; c++) for (const r of base) big.push([r[0] + c * span, `${c}.${r[1]}`, null, r[3], r[4], r[5], r[6]]);
    const bigFile = join(dir, 'big.json');
    await writeFile(bigFile, JSON.stringify(big));
    const ingestCfg = (id: string) => `sources:\n  - id: ${id}\n    type: replay\n    venue: ${id}\n    market: XRP/ETH\n    file: ${bigFile}\n    batchSize: 2000\n`;
    const tradesOf = async (venue: string) => (await pool.query<{ n: number; ok: boolean }>(`
      SELECT count(*)::int AS n,
        (SELECT coalesce(sum(volume), 0) FROM candles c JOIN markets m ON m.pk = c.market_pk WHERE m.venue_id = $1 AND resolution = 60) = coalesce(sum(t.amount), 0) AS ok
      FROM trades t JOIN markets m ON m.pk = t.market_pk WHERE m.venue_id = $1`, [venue])).rows[0];

    // 3. Postgres restart during ingest.
    const restartCfg = join(dir, 'restart.yaml');
    await writeFile(restartCfg, ingestCfg('restart'));
    const w1 = wick(['worker'], { DATABASE_URL: url, WICK_CONFIG: restartCfg, LOG_LEVEL: 'info' });
    await waitFor('ingest to start', async () => (await tradesOf('restart')).n > big.length * 0.1, 120_000);
    const at = (await tradesOf('restart')).n;
    const t0 = Date.now();
    await pool.end().catch(() => undefined);
    await pg.stop();
    await sleep(1000);
    pg = await startEmbeddedPostgres(join(dir, 'data'), pgPort, log);
    const pool2 = createPool({ url, max: 4, statementTimeoutMs: 120_000, applicationName: 'bench' });
    const done3 = await waitFor('ingest to finish after the restart', async () => {
      const c = (await pool2.query<{ n: number }>(`SELECT count(*)::int AS n FROM trades t JOIN markets m ON m.pk = t.market_pk WHERE m.venue_id = 'restart'`)).rows[0].n;
      return c >= big.length ? c : null;
    }, 150_000).catch((e) => {
      console.error(w1.out().slice(-3000));
      throw e;
    });
    const check3 = (await pool2.query<{ n: number; ok: boolean }>(`SELECT count(*)::int AS n, (SELECT sum(volume) FROM candles c JOIN markets m ON m.pk = c.market_pk WHERE m.venue_id = 'restart' AND resolution = 60) = sum(t.amount) AS ok FROM trades t JOIN markets m ON m.pk = t.market_pk WHERE m.venue_id = 'restart'`)).rows[0];
    console.log(`\n3. Postgres restarted at ${at} of ${big.length} trades: worker reconnected, finished ${((Date.now() - t0) / 1000).toFixed(1)} s later (its job backs off after the failed pass)`);
    console.log(`stored ${done3} trades (lost ${big.length - check3.n}, duplicates ${Math.max(0, check3.n - big.length)}), candle volume equals trade volume: ${check3.ok}`);
    report.push(`Postgres restart during ingest: ${check3.n === big.length && check3.ok ? 'survived, 0 lost, 0 duplicated' : 'FAILED'}`);
    w1.proc.kill('SIGTERM');
    await exited(w1);

    // 4. kill -9 of the worker mid-batch, then restart.
    const killCfg = join(dir, 'kill.yaml');
    await writeFile(killCfg, ingestCfg('killed'));
    const w2 = wick(['worker'], { DATABASE_URL: url, WICK_CONFIG: killCfg });
    const count4 = async () => (await pool2.query<{ n: number }>(`SELECT count(*)::int AS n FROM trades t JOIN markets m ON m.pk = t.market_pk WHERE m.venue_id = 'killed'`)).rows[0].n;
    await waitFor('ingest to start', async () => (await count4()) > big.length * 0.3, 120_000);
    w2.proc.kill('SIGKILL');
    await exited(w2);
    const atKill = await count4();
    const w3 = wick(['worker'], { DATABASE_URL: url, WICK_CONFIG: killCfg });
    await waitFor('the restarted worker to finish', async () => (await count4()) >= big.length, 150_000);
    await sleep(500);
    const check4 = (await pool2.query<{ n: number; ok: boolean }>(`SELECT count(*)::int AS n, (SELECT sum(volume) FROM candles c JOIN markets m ON m.pk = c.market_pk WHERE m.venue_id = 'killed' AND resolution = 60) = sum(t.amount) AS ok FROM trades t JOIN markets m ON m.pk = t.market_pk WHERE m.venue_id = 'killed'`)).rows[0];
    console.log(`\n4. worker killed (SIGKILL) at ${atKill} of ${big.length} trades, restarted: ${check4.n} stored (lost ${big.length - check4.n}), candle volume equals trade volume: ${check4.ok}`);
    report.push(`kill -9 mid-batch: ${check4.n === big.length && check4.ok ? 'survived, resumed exactly, 0 lost' : 'FAILED'}`);
    w3.proc.kill('SIGTERM');
    await exited(w3);

    // 5. A hanging upstream.
    const { createServer: httpServer } = await import('node:http');
    const hung = httpServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const hungUrl = `http://127.0.0.1:${(hung.address() as { port: number }).port}`;
    const ccxtCfg = parseConfig({ sources: [{ id: 'hang', type: 'ccxt', exchange: 'kraken', apiUrl: hungUrl, markets: ['BTC/USD'], timeout: '2s', trades: {} }] });
    const runner = new SourceRunner(await createSource(ccxtCfg.sources[0], dir), pool2, log);
    const t5 = Date.now();
    const outcome = await runner.runPass({ kind: 'trades', every: 10_000 }, new AbortController().signal).then((r) => `${r.errors.length} error(s)`, (e: Error) => `error: ${e.message.slice(0, 100)}`);
    const took = Date.now() - t5;
    hung.closeAllConnections();
    hung.close();
    console.log(`\n5. upstream that never answers (timeout 2 s): the pass returned after ${(took / 1000).toFixed(1)} s with ${outcome}`);
    report.push(`hanging upstream: ${took < 30_000 ? 'survived (gave up after the timeout)' : 'FAILED (pass hung)'}`);
    await pool2.end();

    console.log('\nsummary:');
    for (const r of report) console.log(`  ${r}`);
    if (report.some((r) => r.includes('FAILED'))) process.exitCode = 1;
  } finally {
    await pool.end().catch(() => undefined);
    await pg.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
