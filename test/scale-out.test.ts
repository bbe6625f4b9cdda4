// Scale-out as deployed: two `wick api` and two `wick worker` processes on one Postgres.
// Interval jobs run once per slot and never overlap across workers; realtime events written
// by a worker reach the stream clients of both API processes; a worker killed (SIGKILL) in
// the middle of an ingest run loses nothing: the other worker sees its lease is gone, the run
// is retried there and resumes from the committed cursor.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWick } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { xrpEthTrades, type CompactTrade } from './helpers/fixtures.js';
import { loopbackServer, sendJson, type LoopbackServer } from './helpers/http.js';
import { sseClient, type StreamClient } from './helpers/streams.js';
import { until } from './helpers/wait.js';

const COPIES = 10;
let db: TestDatabase;
let pulse: LoopbackServer;
const calls: Array<{ start: number; end: number }> = [];
let active = 0;
let maxActive = 0;
const children: Array<ReturnType<typeof spawnWick>> = [];
const streams: StreamClient[] = [];
let big: CompactTrade[] = [];
let configFile = '';

beforeAll(async () => {
  db = await createTestDatabase();
  // An upstream that takes 300 ms per call: overlapping runs would show as two calls in flight.
  pulse = await loopbackServer(async (_url, _req, res) => {
    const start = Date.now();
    active++;
    maxActive = Math.max(maxActive, active);
    await sleep(300);
    active--;
    calls.push({ start, end: Date.now() });
    sendJson(res, { value: calls.length });
  });
  // The recorded trades repeated with new ids and later times: an ingest run of several seconds.
  const base = xrpEthTrades();
  const span = base.at(-1)![0] - base[0][0] + 1000;
  big = [];
  for (let c = 0; c < COPIES; c++) for (const r of base) big.push([r[0] + c * span, `${c}.${r[1]}`, null, r[3], r[4], r[5], r[6]]);
  const dir = await mkdtemp(join(tmpdir(), 'wick-scale-'));
  const file = join(dir, 'big.json');
  await writeFile(file, JSON.stringify(big));
  configFile = join(dir, 'wick.yaml');
  await writeFile(configFile, [
    'sources:',
    '  - { id: big, type: replay, venue: big, market: XRP/ETH, file: ' + JSON.stringify(file) + ', batchSize: 250 }',
    `  - { id: pulse, type: http, url: "${pulse.url}/pulse", metrics: [{ name: pulse, value: value }] }`,
    'jobs:',
    '  - { name: pulse-every-second, source: pulse, schedule: every 1s }',
    // The recorded trades are from 2019: the default retention (30 days of raw trades) would delete them.
    'analytics: { enabled: false }',
  ].join('\n'));
});

afterAll(async () => {
  if (process.env.DEBUG_SCALE) {
    for (const c of children) console.error('----', c.spawnargs.at(-1), '\n', c.output().slice(-3000));
    console.error('STORED', await stored(), (await db.pool.query(`SELECT id, state, retry_count, started_on, completed_on, output FROM pgboss.job WHERE name = 'ingest:big:trades'`)).rows);
    console.error('LOCKS', (await db.pool.query(`SELECT l.pid, l.granted, l.objid, a.application_name, a.state, a.query FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory'`)).rows);
  }
  for (const s of streams) s.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await pulse?.close();
  await db?.drop();
});

const env = (extra: Record<string, string> = {}) => ({ ...process.env, DATABASE_URL: db.url, WICK_CONFIG: configFile, LOG_LEVEL: 'info', ...extra });

const waitFor = <T>(what: string, fn: () => Promise<T | false | null | undefined>, timeoutMs = 60_000) => until(what, fn, timeoutMs, 100);

function start(role: 'api' | 'worker', extra: Record<string, string> = {}) {
  const child = spawnWick([role], { env: env(extra) });
  children.push(child);
  return child;
}

const stored = async () => (await db.pool.query<{ n: number; ok: boolean }>(
  `SELECT count(*)::int AS n,
     (SELECT coalesce(sum(volume), 0) FROM candles c JOIN markets m ON m.pk = c.market_pk WHERE m.venue_id = 'big' AND resolution = 60) = coalesce(sum(t.amount), 0) AS ok
   FROM trades t JOIN markets m ON m.pk = t.market_pk WHERE m.venue_id = 'big'`,
)).rows[0];

describe('two API processes and two workers on one database', () => {
  it('run each job once, fan events out to both APIs, and survive a worker killed mid-run', async () => {
    const apis = [start('api', { PORT: '0' }), start('api', { PORT: '0' })];
    const urls = await Promise.all(apis.map((a) => waitFor('an API to listen', async () => a.output().match(/is running: API (http:\/\/[^/\s]+)\/v1/)?.[1])));
    for (const url of urls) {
      const s = sseClient(`${url}/v1/stream?channels=trades:big:XRP-ETH`);
      streams.push(s);
      await s.waitFor((e) => e.some((x) => x.event === 'ready'));
    }

    // Worker A alone starts the ingest run; B joins while it is under way; then A dies.
    const a = start('worker');
    await waitFor('worker A to be part-way through the ingest run', async () => (await stored()).n > big.length * 0.05, 90_000);
    const b = start('worker');
    await waitFor('worker B to start', async () => /"msg":"wick started"/.test(b.output()));
    a.kill('SIGKILL');
    const atKill = (await stored()).n;
    expect(atKill).toBeLessThan(big.length); // the kill really landed mid-run

    const done = await waitFor('worker B to finish the run A left', async () => {
      const s = await stored();
      return s.n === big.length && s;
    }, 120_000);
    expect(done).toEqual({ n: big.length, ok: true }); // nothing lost, nothing twice (candle volume = trade volume)
    expect(b.output()).toMatch(/the worker running this job is gone/);
    const state = (await db.pool.query<{ last_error: string | null; last_success_at: Date | null }>(`SELECT last_error, last_success_at FROM job_state WHERE name = 'ingest:big:trades'`)).rows[0];
    expect(state.last_success_at).not.toBeNull();

    // Both API processes' clients saw the trades the workers wrote, up to the very last one.
    const lastId = big.at(-1)![1];
    for (const s of streams) {
      await s.waitFor((e) => e.some((x) => x.event === 'trades' && x.data.data.trades.some((t: { id: string }) => t.id === lastId)), 30_000);
    }

    // The 1-second job ran through both workers' lifetimes: never two calls at once, at most one per second.
    expect(calls.length).toBeGreaterThan(3);
    expect(maxActive).toBe(1);
    const sorted = [...calls].sort((x, y) => x.start - y.start);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].start).toBeGreaterThanOrEqual(sorted[i - 1].end);
    const span = (sorted.at(-1)!.start - sorted[0].start) / 1000;
    expect(sorted.length).toBeLessThanOrEqual(Math.ceil(span) + 2);

    for (const c of [b, ...apis]) c.kill('SIGTERM');
    await Promise.all([b, ...apis].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  }, 300_000);
});
