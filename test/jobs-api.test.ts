// The jobs, sources and metrics endpoints and the admin token, on a running Wick (API and
// worker in one process) whose http source reads a loopback provider.
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { parseConfig } from '../src/config/load.js';
import { startWick, type RunningWick } from '../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { runWick } from './helpers/cli.js';
import { loopbackServer, sendJson, type LoopbackServer } from './helpers/http.js';

const log = pino({ level: 'silent' });
const TOKEN = 'test-admin-token-0123456789';
const T0 = Date.parse('2024-03-01T00:00:00Z');

describe('jobs, sources and metrics API', () => {
  let db: TestDatabase;
  let server: LoopbackServer;
  let wick: RunningWick;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Hourly floor prices of two collections over two hours (epoch seconds, as many providers send).
    server = await loopbackServer((u, _req, res) => {
      const c = u.pathname.split('/').pop()!;
      const base = c === '0xaaa' ? 10 : 20;
      sendJson(res, { history: [0, 1, 2, 3].map((i) => ({ t: (T0 + i * 1_800_000) / 1000, floor: String(base + i) })) });
    });
    const config = parseConfig({
      server: { port: 0 },
      database: { url: db.url },
      sources: [{ id: 'floors', type: 'http', provider: 'nftport', url: `${server.url}/floor/{contract}`, items: ['0xaaa', '0xbbb'], itemKey: 'contract',
        metrics: [{ name: 'nft_floor', each: 'history', value: 'floor', time: 't', labels: { contract: '{contract}' } }] }],
      jobs: [{ name: 'floors-nightly', source: 'floors', schedule: '0 3 * * *', tz: 'Europe/Berlin', priority: 3 }],
      providers: { nftport: { quota: { perMonth: 150_000 } } },
      scheduler: { pollInterval: '500ms', stopTimeout: '5s' },
      auth: { adminToken: TOKEN },
    });
    wick = await startWick({ config, file: null, baseDir: '.' }, 'all', log);
    url = wick.url!;
  });
  afterAll(async () => {
    await wick?.stop();
    await server?.close();
    await db?.drop();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const r = await fetch(url + path, { headers });
    return { status: r.status, body: await r.json() as any };
  };
  const post = async (path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const r = await fetch(url + path, { method: 'POST', headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, body: await r.json() as any };
  };

  it('lists the declared job with its cron schedule and next run', async () => {
    const { status, body } = await get('/v1/jobs');
    expect(status).toBe(200);
    // The declared job, plus Wick's built-in jobs (analytics, alert evaluation and delivery, API-key usage pruning).
    expect(body.jobs.map((j: any) => j.name).sort()).toEqual(['alerts:deliver', 'alerts:evaluate', 'analytics:liquidity', 'analytics:prices', 'analytics:retention', 'floors-nightly', 'ops:prune-key-usage']);
    const j = body.jobs.find((x: any) => x.name === 'floors-nightly');
    expect(j).toMatchObject({ name: 'floors-nightly', source: 'floors', schedule: 'cron 0 3 * * * (Europe/Berlin)', priority: 3, deferred: null, runs: 0 });
    // 03:00 in Berlin is 01:00 or 02:00 UTC.
    expect([1, 2]).toContain(new Date(j.next_run_at).getUTCHours());
    expect(j.next_run_at).toBeGreaterThan(Date.now());
  });

  it('protects admin routes with the token: 401 without or with a wrong one', async () => {
    expect((await post('/v1/jobs/floors-nightly/run')).status).toBe(401);
    const wrong = await post('/v1/jobs/floors-nightly/run', { authorization: 'Bearer nope' });
    expect(wrong).toMatchObject({ status: 401, body: { message: 'invalid admin token or API key' } });
    expect((await get('/v1/admin/jobs/dlq', { 'x-api-key': 'nope' })).status).toBe(401);
    expect((await get('/v1/admin/jobs/dlq', { 'x-api-key': TOKEN })).body).toEqual({ deadLetters: [] });
    const unknown = await post('/v1/jobs/nope/run', { authorization: `Bearer ${TOKEN}` });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('unknown job "nope"; known jobs: ');
    expect(unknown.body.message).toContain('floors-nightly');
    expect(unknown.body.message).toContain('floors-nightly');
  });

  it('runs a job on webhook, then serves its state, the source state and the metric series', async () => {
    const run = await post('/v1/jobs/floors-nightly/run', { authorization: `Bearer ${TOKEN}` });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ success: true, alreadyQueued: false });
    expect(run.body.jobId).toMatch(/^[0-9a-f-]{36}$/);
    let job: any;
    for (let i = 0; i < 100 && !job?.last_success_at; i++) {
      await sleep(200);
      job = (await get('/v1/jobs')).body.jobs.find((x: any) => x.name === 'floors-nightly');
    }
    expect(job).toMatchObject({ runs: 1, failures: 0, last_rows: 8, last_calls: 2, last_error: null });

    const sources = (await get('/v1/sources')).body.sources;
    expect(sources).toEqual([expect.objectContaining({ id: 'floors', type: 'http', provider: 'nftport', quota_used_today: 2, quota_used_this_month: 2, rows: 8, calls: 2, jobs: ['floors-nightly'], last_error: null })]);

    const metrics = (await get('/v1/metrics')).body.metrics;
    expect(metrics).toEqual([{ name: 'nft_floor', series: [
      { labels: { contract: '0xaaa' }, points: 4, first_time: T0, last_time: T0 + 5_400_000, last_value: 13 },
      { labels: { contract: '0xbbb' }, points: 4, first_time: T0, last_time: T0 + 5_400_000, last_value: 23 },
    ] }]);

    const raw = (await get('/v1/metrics/nft_floor/series?labels=contract:0xaaa')).body;
    expect(raw.series).toEqual([{ labels: { contract: '0xaaa' }, points: [0, 1, 2, 3].map((i) => ({ time: T0 + i * 1_800_000, value: 10 + i })) }]);
    // Hourly buckets: avg of (10, 11) and (12, 13); last: 11 and 13.
    const avg = (await get('/v1/metrics/nft_floor/series?labels=contract:0xaaa&resolution=1h')).body;
    expect(avg.series[0].points).toEqual([{ time: T0, value: 10.5 }, { time: T0 + 3_600_000, value: 12.5 }]);
    const last = (await get(`/v1/metrics/nft_floor/series?resolution=1h&aggregate=last&from=${T0 + 3_600_000}`)).body;
    expect(last.series.map((s: any) => [s.labels.contract, s.points])).toEqual([['0xaaa', [{ time: T0 + 3_600_000, value: 13 }]], ['0xbbb', [{ time: T0 + 3_600_000, value: 23 }]]]);
  });

  it('offers the same operations on the CLI: wick jobs list / dlq / run', async () => {
    const env = { ...process.env, DATABASE_URL: db.url };
    const list = await runWick(['jobs', 'list', '--json'], { env });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).find((x: any) => x.name === 'floors-nightly')).toEqual(expect.objectContaining({ runs: 1, last_rows: 8, last_calls: 2 }));
    const dlq = await runWick(['jobs', 'dlq'], { env });
    expect(dlq.stdout).toBe('the dead-letter queue is empty\n');
    const unknown = await runWick(['jobs', 'run', 'nope'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown job "nope"; known jobs: ');
    const run = await runWick(['jobs', 'run', 'floors-nightly'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^floors-nightly: (queued|a run is already queued) \([0-9a-f-]{36}\)\n$/);
  });

  it('answers bad metric queries with 4xx naming the problem', async () => {
    expect((await get('/v1/metrics/nope/series')).status).toBe(404);
    const bad = await get('/v1/metrics/nft_floor/series?labels=contract');
    expect(bad).toMatchObject({ status: 400, body: { field: 'labels' } });
    expect((await get('/v1/metrics/nft_floor/series?resolution=7x')).body.field).toBe('resolution');
  });

  it('keeps admin routes closed when no token is configured (401 saying how to enable them)', async () => {
    const prev = process.env.WICK_ADMIN_TOKEN;
    delete process.env.WICK_ADMIN_TOKEN;
    const app = await buildApi({ pool: db.pool, config: parseConfig({}), log });
    try {
      const stale = await app.inject({ method: 'POST', url: '/v1/jobs/floors-nightly/run', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(stale.statusCode).toBe(401);
      const r = await app.inject({ method: 'POST', url: '/v1/jobs/floors-nightly/run' });
      expect(r.statusCode).toBe(401);
      expect(r.json().message).toContain('WICK_ADMIN_TOKEN');
      expect(r.json().message).toContain('wick keys create --scope admin');
    } finally {
      await app.close();
      if (prev !== undefined) process.env.WICK_ADMIN_TOKEN = prev;
    }
  });
});
