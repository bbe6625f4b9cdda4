// Jobs on pg-boss against a loopback provider: retries with backoff, the dead-letter queue,
// moving a dead letter back (and it returning when it fails again), and two workers sharing
// one queue without running anything twice.
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { JobAdmin } from '../src/jobs/admin.js';
import { BossRunner } from '../src/jobs/boss-runner.js';
import { buildIngestJobs } from '../src/jobs/setup.js';
import { createSource } from '../src/sources/registry.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { fixture } from './helpers/fixtures.js';
import { loopbackServer, sendJson, type LoopbackServer } from './helpers/http.js';
import { until } from './helpers/wait.js';

const log = pino({ level: 'silent' });

describe('pg-boss jobs', () => {
  let db: TestDatabase;
  let server: LoopbackServer;
  let failing = true;
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await loopbackServer(async (url, _req, res) => {
      // Concurrency is tracked for the two-worker job's path only.
      const slow = url.pathname.startsWith('/slow');
      if (slow) maxInFlight = Math.max(maxInFlight, ++inFlight);
      await sleep(slow ? 300 : url.pathname.startsWith('/hang') ? 3000 : 0);
      if (slow) inFlight--;
      if (url.pathname.startsWith('/floor') && failing) return sendJson(res, { error: 'upstream down' }, 500);
      sendJson(res, { floor: 1.25 });
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  async function runnerFor(pool: Pool, source: Record<string, unknown>, jobs: unknown[]) {
    const cfg = parseConfig({ sources: [source], jobs, scheduler: { pollInterval: '500ms' } });
    const sources = await Promise.all(cfg.sources.map((s) => createSource(s, '.')));
    const defs = await buildIngestJobs(cfg, sources, pool, log);
    return new BossRunner(defs, pool, log, { pollIntervalMs: 500, stopTimeoutMs: 5000 });
  }

  it('retries a failing run, then moves it to the dead-letter queue with its error; retry moves it back', async () => {
    const admin = new JobAdmin(db.pool);
    const runner = await runnerFor(db.pool,
      { id: 'floors', type: 'http', url: `${server.url}/floor/{contract}`, items: ['0xaaa'], itemKey: 'contract', metrics: [{ name: 'floor', value: 'floor', labels: { contract: '{contract}' } }] },
      [{ name: 'floor-hourly', source: 'floors', schedule: 'every 1h', priority: 5, retry: { limit: 1, delay: '1s', backoff: true } }]);
    const before = server.requests.length;
    await runner.start();
    try {
      const [letter] = await until('a dead letter', async () => (await admin.deadLetters()).length === 1 && admin.deadLetters());
      expect(letter.job).toBe('floor-hourly');
      expect(letter.error).toMatch(/\/floor\/0xaaa: HTTP 500: \{"error":"upstream down"\}/);
      expect(server.requests.length - before).toBe(2); // the run and its one retry
      const [state] = await admin.list();
      expect(state).toMatchObject({ name: 'floor-hourly', source: 'floors', schedule: 'every 1h', priority: 5, runs: 2, failures: 2, last_success_at: null, last_calls: 1 });
      expect(state.last_error).toContain('HTTP 500');

      // Back to the queue: it fails twice more and returns to the dead-letter queue (a new entry).
      const [moved] = await admin.retry({ id: letter.id });
      expect(moved).toMatchObject({ id: letter.id, job: 'floor-hourly' });
      expect(moved.jobId).toMatch(/^[0-9a-f-]{36}$/);
      const [again] = await until('the dead letter again', async () => {
        const l = await admin.deadLetters();
        return l.length === 1 && l[0].id !== letter.id && l;
      });
      expect(again.job).toBe('floor-hourly');
      expect(server.requests.length - before).toBe(4);

      // The provider recovers: retrying succeeds and the dead-letter queue stays empty.
      failing = false;
      await admin.retry({ all: true });
      const ok = await until('a successful run', async () => (await admin.list()).find((j) => j.last_success_at !== null));
      expect(ok).toMatchObject({ runs: 5, failures: 4, last_rows: 1 });
      expect(await admin.deadLetters()).toEqual([]);
      const points = (await db.pool.query(`SELECT p.value::text AS v FROM metric_points p JOIN metric_series s ON s.id = p.series_id WHERE s.name = 'floor'`)).rows;
      expect(points).toEqual([{ v: '1.25' }]);

      // Nothing is left to flush.
      const flushed = await admin.flush();
      expect(flushed).toBe(0);
    } finally {
      await runner.stop();
      await admin.close();
    }
  });

  it('stops a run at its timeout and, without retries left, dead-letters it with the reason', async () => {
    const admin = new JobAdmin(db.pool);
    await admin.flush();
    const runner = await runnerFor(db.pool,
      { id: 'hang', type: 'http', url: `${server.url}/hang`, timeout: '10s', metrics: [{ name: 'hang', value: 'floor' }] },
      [{ name: 'hang-job', source: 'hang', schedule: 'every 1h', timeout: '1s', retry: { limit: 0 } }]);
    await runner.start();
    try {
      const [letter] = await until('the timed-out run in the dead-letter queue', async () => (await admin.deadLetters()).length === 1 && admin.deadLetters());
      expect(letter.job).toBe('hang-job');
      expect(letter.error).toMatch(/^stopped after its timeout of 1000 ms/);
    } finally {
      await runner.stop();
      await admin.close();
    }
  });

  it('two workers on one database share the queue: every run happens once, never overlapping', async () => {
    const poolA = createPool({ url: db.url, max: 4, statementTimeoutMs: 10_000, applicationName: 'worker-a' });
    const poolB = createPool({ url: db.url, max: 4, statementTimeoutMs: 10_000, applicationName: 'worker-b' });
    const source = { id: 'slow', type: 'http', url: `${server.url}/slow`, metrics: [{ name: 'slow_floor', value: 'floor' }] };
    const jobs = [{ name: 'slow-every-2s', source: 'slow', schedule: 'every 2s' }];
    const a = await runnerFor(poolA, source, jobs);
    const b = await runnerFor(poolB, source, jobs);
    const before = server.requests.filter((u) => u.pathname === '/slow').length;
    maxInFlight = 0;
    await Promise.all([a.start(), b.start()]);
    await sleep(7000);
    await Promise.all([a.stop(), b.stop()]);
    try {
      const requests = server.requests.filter((u) => u.pathname === '/slow').length - before;
      const completed = Number((await db.pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'slow-every-2s' AND state = 'completed'`)).rows[0].n);
      const { runs, failures } = (await db.pool.query(`SELECT runs, failures FROM job_state WHERE name = 'slow-every-2s'`)).rows[0];
      // One run per 2-second slot over ~7 s; a run cut short by the stop counts as a failure (pg-boss retries it later).
      expect(completed).toBeGreaterThanOrEqual(2);
      expect(completed).toBeLessThanOrEqual(5);
      expect(failures).toBeLessThanOrEqual(1);
      expect(completed).toBe(runs - failures);
      expect(requests).toBe(runs); // one request per run: no run happened twice
      expect(maxInFlight).toBe(1);
    } finally {
      await poolA.end();
      await poolB.end();
    }
  });

  it('a continuous job (live replay) is owned by one worker at a time; another takes over when it stops', async () => {
    const poolA = createPool({ url: db.url, max: 4, statementTimeoutMs: 10_000, applicationName: 'worker-a' });
    const poolB = createPool({ url: db.url, max: 4, statementTimeoutMs: 10_000, applicationName: 'worker-b' });
    const source = { id: 'live', type: 'replay', venue: 'binance', market: 'XRP/ETH', file: fixture('market/XRP_ETH-trades.json.gz'), mode: 'live', speed: 60, backdate: '10m' };
    const a = await runnerFor(poolA, source, []);
    const b = await runnerFor(poolB, source, []);
    const holders = async () => (await db.pool.query(`SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid 
      CROSS JOIN (SELECT hashtextextended('wick-continuous:ingest:live:trades', 0) AS k) key
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid::int8 = ((key.k >> 32) & 4294967295) AND l.objid::int8 = (key.k & 4294967295)`)).rows.map((r) => r.application_name);
    try {
      await a.start();
      await b.start();
      expect(await holders()).toEqual(['worker-a']);
      const trades = async () => Number((await db.pool.query(`SELECT count(*)::int AS n FROM trades`)).rows[0].n);
      const first = await until('trades from the live replay', async () => (await trades()) > 0 && trades());
      await a.stop();
      // B's claim loop (every 1 s here) picks the job up and the replay carries on.
      await until('worker-b to own the job', async () => (await holders()).join() === 'worker-b');
      await until('more trades', async () => (await trades()) > first);
    } finally {
      await a.stop();
      await b.stop();
      await poolA.end();
      await poolB.end();
    }
  });
});
