// Production behaviour of the API over a real socket: /metrics (HTTP, jobs, pool, data lag,
// process), /readyz freshness, load shedding when the pool is exhausted, security headers,
// CORS, header and body size limits.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { parseConfig } from '../src/config/load.js';
import { createPool } from '../src/db/pool.js';
import { ingestJobs } from '../src/ingest/jobs.js';
import { instrumentJobs } from '../src/ops/jobs.js';
import { createSource } from '../src/sources/registry.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { FIXTURES, xrpEthTrades } from './helpers/fixtures.js';
import { request } from 'node:http';
import { listenOnLoopback } from './helpers/http.js';

const log = pino({ level: 'silent' });
const raw = xrpEthTrades();
const M = 'binance:XRP-ETH';
let db: TestDatabase;
const apps: FastifyInstance[] = [];
const pools: Array<ReturnType<typeof createPool>> = [];
const sourceCfg = { id: 'fx', type: 'replay', venue: 'binance', market: 'XRP/ETH', file: 'market/XRP_ETH-trades.json.gz' };

async function api(cfg: Record<string, unknown> = {}, pool = db.pool): Promise<string> {
  const app = await buildApi({ pool, config: parseConfig(cfg), log });
  apps.push(app);
  return listenOnLoopback(app);
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await Promise.all(pools.map((p) => p.end()));
  await db?.drop();
});

const metricValue = (body: string, line: RegExp) => {
  const m = body.split('\n').find((l) => line.test(l));
  return m === undefined ? undefined : Number(m.split(' ').at(-1));
};

describe('/metrics', () => {
  it('reports job runs, rows and last success, HTTP durations by route template, pool, data lag and process metrics', async () => {
    const config = parseConfig({ sources: [sourceCfg] });
    const [job] = instrumentJobs(await ingestJobs([await createSource(config.sources[0], FIXTURES)], db.pool, log));
    const before = Date.now() / 1000;
    const outcome = await job.run({ signal: new AbortController().signal, log, pool: db.pool });
    expect(outcome.rows).toBe(raw.length);

    const base = await api();
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/v1/markets/${M}`)).status).toBe(200);
    expect((await fetch(`${base}/v1/markets/nope:A-B`)).status).toBe(404);
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await res.text();
    expect(metricValue(body, /^wick_http_request_duration_seconds_count\{method="GET",route="\/v1\/markets\/:market",status="200"\}/)).toBe(3);
    expect(metricValue(body, /^wick_http_request_duration_seconds_count\{method="GET",route="\/v1\/markets\/:market",status="404"\}/)).toBe(1);
    expect(metricValue(body, /^wick_job_rows_written_total\{job="ingest:fx:trades"\}/)).toBe(raw.length);
    expect(metricValue(body, /^wick_job_last_run_rows\{job="ingest:fx:trades"\}/)).toBe(raw.length);
    expect(metricValue(body, /^wick_job_runs_total\{job="ingest:fx:trades",outcome="ok"\}/)).toBe(1);
    const last = metricValue(body, /^wick_job_last_success_timestamp_seconds\{job="ingest:fx:trades"\}/)!;
    expect(last).toBeGreaterThanOrEqual(Math.floor(before));
    expect(last).toBeLessThanOrEqual(Date.now() / 1000);
    // The newest fixture trade is from 2019: the lag is now minus its time.
    const lag = metricValue(body, new RegExp(`^wick_data_lag_seconds\\{market="${M}"\\}`))!;
    expect(Math.abs(lag - (Date.now() - raw.at(-1)![0]) / 1000)).toBeLessThan(60);
    expect(metricValue(body, /^wick_db_pool_connections\{state="total"\}/)).toBeGreaterThanOrEqual(1);
    expect(metricValue(body, /^wick_db_pool_connections\{state="waiting"\}/)).toBe(0);
    expect(body).toMatch(/^wick_process_resident_memory_bytes \d+/m);
    expect(body).toMatch(/^wick_nodejs_eventloop_lag_seconds /m);
  });
});

describe('upstream call metrics', () => {
  it('counts calls through the provider-call gate per provider and result', async () => {
    const { countingGate } = await import('../src/ops/metrics.js');
    const { unmeteredCall } = await import('../src/sources/types.js');
    const gate = countingGate(unmeteredCall);
    expect(await gate('kraken', 1, async () => 42)).toBe(42);
    expect(await gate('kraken', 1, async () => 43)).toBe(43);
    await expect(gate('kraken', 1, async () => { throw new Error('HTTP 502'); })).rejects.toThrow('HTTP 502');
    const body = await (await fetch(`${await api()}/metrics`)).text();
    expect(metricValue(body, /^wick_upstream_calls_total\{provider="kraken",result="ok"\}/)).toBe(2);
    expect(metricValue(body, /^wick_upstream_calls_total\{provider="kraken",result="error"\}/)).toBe(1);
  });
});

describe('shared-state metrics', () => {
  it('reports quota left per provider, dead letters per job and connected stream clients', async () => {
    const { ProviderLimiter } = await import('../src/budgets/limiter.js');
    const { providersSchema } = await import('../src/budgets/config.js');
    const { createBoss, DEAD_LETTER_QUEUE } = await import('../src/jobs/boss.js');
    const { sseClient } = await import('./helpers/streams.js');
    const limiter = new ProviderLimiter(db.pool, providersSchema.parse({ nftport: { quota: { perDay: 50, perMonth: 100 } } }), log);
    await limiter.call('nftport', 3, async () => 'ok');
    await limiter.call('nftport', 4, async () => 'ok');
    const boss = createBoss(db.pool, { supervise: false });
    await boss.start();
    await boss.createQueue(DEAD_LETTER_QUEUE);
    await boss.send(DEAD_LETTER_QUEUE, { job: 'floor-hourly' });
    await boss.send(DEAD_LETTER_QUEUE, { job: 'floor-hourly' });
    await boss.send(DEAD_LETTER_QUEUE, { job: 'ingest:fx:trades' });
    await boss.stop({ graceful: false, close: false, wait: true });
    const base = await api();
    const stream = sseClient(`${base}/v1/stream?channels=trades:${M}`);
    await stream.waitFor((e) => e.some((x) => x.event === 'ready'));
    let body = await (await fetch(`${base}/metrics`)).text();
    expect(metricValue(body, /^wick_upstream_quota_remaining\{provider="nftport"\}/)).toBe(50 - 7); // the day is the tighter quota
    expect(metricValue(body, /^wick_job_dead_letter_size\{queue="floor-hourly"\}/)).toBe(2);
    expect(metricValue(body, /^wick_job_dead_letter_size\{queue="ingest:fx:trades"\}/)).toBe(1);
    expect(metricValue(body, /^wick_realtime_clients\{transport="sse"\}/)).toBe(1);
    stream.close();
    for (let i = 0; i < 50; i++) {
      body = await (await fetch(`${base}/metrics`)).text();
      if (metricValue(body, /^wick_realtime_clients\{transport="sse"\}/) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(metricValue(body, /^wick_realtime_clients\{transport="sse"\}/)).toBe(0);
  });
});

describe('/readyz', () => {
  it('fails when data is older than ops.readiness.maxDataLag, naming the stale markets', async () => {
    const plain = await (await fetch(`${await api()}/readyz`)).json();
    expect(plain).toMatchObject({ status: 'ready', migrations: { ok: true, pending: [] } });
    expect(plain.freshness).toBeUndefined();
    const strict = await fetch(`${await api({ ops: { readiness: { maxDataLag: '1h' } } })}/readyz`);
    expect(strict.status).toBe(503);
    const body = await strict.json();
    expect(body.freshness).toMatchObject({ ok: false, max_lag_ms: 3_600_000, stale: [{ market: M }] });
    const listed = await (await fetch(`${await api({ ops: { readiness: { maxDataLag: '100000d', markets: [M, 'kraken:BTC-USD'] } } })}/readyz`)).json();
    expect(listed.freshness).toEqual({ ok: false, max_lag_ms: 100000 * 86_400_000, stale: [{ market: 'kraken:BTC-USD', lag_ms: null }] });
    const fine = await fetch(`${await api({ ops: { readiness: { maxDataLag: '100000d' } } })}/readyz`);
    expect(fine.status).toBe(200);
  });
});

describe('connection discipline', () => {
  it('answers 503 + Retry-After when no connection frees up in time, and sheds load once requests queue', async () => {
    const small = createPool({ url: db.url, max: 2, statementTimeoutMs: 10_000, applicationName: 'wick-small', acquireTimeoutMs: 300 });
    pools.push(small);
    const base = await api({ database: { maxWaiting: 1 } }, small);
    const held = [await small.connect(), await small.connect()];
    const releaseAll = () => held.forEach((c) => { try { c.release(); } catch { /* released already */ } });
    try {
      // Pool full, nobody waiting: this request waits 300 ms for a connection, then gets 503.
      const timedOut = await fetch(`${base}/v1/markets`);
      expect(timedOut.status).toBe(503);
      expect(timedOut.headers.get('retry-after')).toBe('1');
      expect((await timedOut.json()).message).toMatch(/no free database connection/);
      // One request waits; the next is refused at once rather than queueing behind it.
      const waiting = fetch(`${base}/v1/markets/${M}`); // one query
      for (let i = 0; i < 50 && small.waitingCount === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(small.waitingCount).toBe(1);
      const shed = await fetch(`${base}/v1/markets`);
      expect(shed.status).toBe(503);
      expect(shed.headers.get('retry-after')).toBe('1');
      held.shift()!.release();
      expect((await waiting).status).toBe(200);
      held.shift()!.release();
      expect((await fetch(`${base}/v1/markets`)).status).toBe(200);
      // Health and metrics still answer while the pool is exhausted.
      held.push(await small.connect(), await small.connect());
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^wick_api_busy_total [1-9]/m);
    } finally {
      releaseAll();
    }
  });
});

describe('database outages', () => {
  it('survives the server ending a checked-out connection, and answers 503 while the database is unreachable', async () => {
    const p = createPool({ url: db.url, max: 2, statementTimeoutMs: 10_000, applicationName: 'wick-outage' });
    pools.push(p);
    const client = await p.connect();
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await new Promise((r) => setTimeout(r, 300)); // the 'error' event arrives while nobody queries: must not crash
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
    expect((await p.query('SELECT 1 AS one')).rows[0].one).toBe(1); // a new connection replaces it

    const gone = createPool({ url: 'postgres://postgres@127.0.0.1:1/none', max: 2, statementTimeoutMs: 1000, applicationName: 'wick-gone' });
    pools.push(gone);
    const base = await api({}, gone);
    const r = await fetch(`${base}/v1/markets`);
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('2');
    expect((await r.json()).message).toBe('the database is unavailable; retry shortly');
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe('HTTP hardening', () => {
  it('sets security headers, answers CORS only for configured origins, and bounds headers and bodies', async () => {
    const base = await api({ ops: { cors: { origins: ['https://app.example'] }, maxHeaderSize: 2048, bodyLimit: 1024 } });
    const r = await fetch(`${base}/v1/markets`, { headers: { origin: 'https://app.example' } });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${base}/v1/markets`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${base}/v1/markets`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/x-api-key/);
    const noCors = await fetch(`${await api()}/v1/markets`, { headers: { origin: 'https://app.example' } });
    expect(noCors.headers.get('access-control-allow-origin')).toBeNull();
    // Oversized headers: 431 from the server itself.
    const status = await new Promise<number>((res, rej) => {
      const req = request(`${base}/v1/markets`, { headers: { 'x-big': 'a'.repeat(4096) } }, (resp) => { resp.resume(); res(resp.statusCode!); });
      req.on('error', rej);
      req.end();
    });
    expect(status).toBe(431);
    const big = await fetch(`${base}/v1/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'read', name: 'x'.repeat(5000) }) });
    expect([401, 413]).toContain(big.status); // refused before any work: no key, or too large
    const { createApiKey } = await import('../src/auth/api-keys.js');
    const { key } = await createApiKey(db.pool, { scope: 'admin' });
    const tooBig = await fetch(`${base}/v1/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ scope: 'read', name: 'x'.repeat(5000) }) });
    expect(tooBig.status).toBe(413);
  });
});
