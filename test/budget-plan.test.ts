// `wick budget plan` arithmetic on the NFT-analytics case: 1,500 contracts × 3 calls a day
// against 500,000 a month (Mnemonic-like), 1,500 × 1 against 150,000 (NFTPort-like), and a
// start refused (exit 2) or degraded when an hourly job would blow the hard quota.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetPlan, buildIngestJobs, enforceBudget } from '../src/jobs/setup.js';
import { parseConfig } from '../src/config/load.js';
import { createSource } from '../src/sources/registry.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { runWick } from './helpers/cli.js';
import { JobAdmin } from '../src/jobs/admin.js';
import { startWick } from '../src/runtime.js';

const log = pino({ level: 'silent' });
const contracts = Array.from({ length: 1500 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);

function nftConfig(extraJobs: unknown[] = []) {
  return {
    sources: [
      { id: 'mnemonic', type: 'http', url: 'https://api.example.invalid/owners/{contract}', items: contracts, itemKey: 'contract', metrics: [{ name: 'owners', value: 'count' }] },
      { id: 'nftport', type: 'http', url: 'https://api.example.invalid/floor/{contract}', items: contracts, itemKey: 'contract', metrics: [{ name: 'floor', value: 'floor' }] },
    ],
    jobs: [
      { name: 'owners-3x-daily', source: 'mnemonic', schedule: '0 */8 * * *', tz: 'Europe/Berlin', priority: 5 },
      { name: 'floor-nightly', source: 'nftport', schedule: '0 3 * * *', tz: 'Europe/Berlin', priority: 10 },
      ...extraJobs,
    ],
    providers: {
      mnemonic: { quota: { perMonth: 500_000 } },
      nftport: { quota: { perMonth: 150_000, resetDay: 1 } },
    },
  };
}
const hourly = { name: 'floor-hourly', source: 'nftport', schedule: 'every 1h', priority: 1 };

describe('budget plan', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'wick-budget-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function jobsFor(raw: ReturnType<typeof nftConfig>) {
    const cfg = parseConfig(raw);
    const sources = await Promise.all(cfg.sources.map((s) => createSource(s, '.')));
    return { cfg, jobs: await buildIngestJobs(cfg, sources, db.pool, log) };
  }

  it('projects calls per day and month per provider from the schedules and item counts', async () => {
    const { cfg, jobs } = await jobsFor(nftConfig());
    const { plans } = await budgetPlan(jobs, cfg);
    // Mnemonic: 3 runs a day × 1,500 contracts × 1 call = 4,500 a day; × 30 = 135,000 a month (< 500,000).
    // NFTPort: 1 run a day × 1,500 × 1 = 1,500 a day; × 30 = 45,000 a month (< 150,000).
    expect(plans.map((p) => [p.provider, p.perDay, p.perMonth, p.quotaMonth, p.overruns])).toEqual([
      ['mnemonic', 4500, 135_000, 500_000, []],
      ['nftport', 1500, 45_000, 150_000, []],
    ]);
  });

  it('flags an hourly job that would blow the hard quota, refuses it, and degrades by deferring the lowest priority', async () => {
    const { cfg, jobs } = await jobsFor(nftConfig([hourly]));
    const { plans } = await budgetPlan(jobs, cfg);
    // NFTPort: 1,500 (nightly) + 24 × 1,500 (hourly) = 37,500 a day; × 30 = 1,125,000 a month > 150,000.
    const nftport = plans.find((p) => p.provider === 'nftport')!;
    expect([nftport.perDay, nftport.perMonth]).toEqual([37_500, 1_125_000]);
    expect(nftport.overruns).toEqual(['projected 1,125,000 per month > quota 150,000']);
    await expect(enforceBudget(jobs, cfg, null, false, log)).rejects.toThrow(/providers\.nftport: projected 1,125,000 per month > quota 150,000/);
    const deferred = await enforceBudget(jobs, cfg, null, true, log);
    expect([...deferred.keys()]).toEqual(['floor-hourly']);
    expect(jobs.find((j) => j.name === 'floor-hourly')!.deferred).toMatch(/nftport/);
    expect(jobs.find((j) => j.name === 'floor-nightly')!.deferred).toBeUndefined();
  });

  it('a worker started with degrade defers the hourly job, visibly in the job list', async () => {
    const config = parseConfig({ ...nftConfig([hourly]), database: { url: db.url }, scheduler: { pollInterval: '500ms', stopTimeout: '5s' } });
    const wick = await startWick({ config, file: null, baseDir: '.' }, 'worker', log, { degrade: true });
    try {
      const jobs = await new JobAdmin(db.pool).list();
      const declared = jobs.filter((j) => !/^(alerts|analytics|ops):/.test(j.name));
      expect(declared.map((j) => [j.name, j.deferred !== null])).toEqual([['floor-nightly', false], ['owners-3x-daily', false], ['floor-hourly', true]]);
      const h = jobs.find((j) => j.name === 'floor-hourly')!;
      expect(h.deferred).toContain('deferred to keep provider "nftport" within its hard quota (projected 1,125,000 per month > quota 150,000); priority 1');
      expect(h.next_run_at).toBeNull();
      // Its pg-boss schedule/slot was never created: nothing queued for it.
      expect(h.queued).toBe(0);
    } finally {
      await wick.stop();
    }
  });

  it('`wick budget plan` prints the plan; `wick start` refuses an over-quota plan with exit 2', async () => {
    const file = join(dir, 'nft.yaml');
    await writeFile(file, YAML.stringify({ ...nftConfig([hourly]), server: { port: 0 }, dataDir: join(dir, 'data') }));
    const env = { ...process.env, DATABASE_URL: db.url };
    const plan = await runWick(['budget', 'plan', '-c', file], { env });
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain('mnemonic: 4,500 calls/day, 135,000 calls/month; quota 500,000/month: ok');
    expect(plan.stdout).toContain('nftport: 37,500 calls/day, 1,125,000 calls/month; quota 150,000/month: OVER (hard): projected 1,125,000 per month > quota 150,000');
    expect(plan.stdout).toContain('floor-hourly (priority 1): 24 runs/day × 1,500 items × 1 = 36,000/day');
    const start = await runWick(['start', '-c', file], { env });
    expect(start.code).toBe(2);
    expect(start.stderr).toContain('providers.nftport: projected 1,125,000 per month > quota 150,000');
    expect(start.stderr).toContain('--degrade');
  });
});

describe('declared jobs that do not fit their source', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it('names the unknown item', async () => {
    const cfg = parseConfig(nftConfig([{ name: 'one', source: 'nftport', schedule: 'every 1h', items: ['0xnope'] }]));
    const sources = await Promise.all(cfg.sources.map((s) => createSource(s, '.')));
    await expect(buildIngestJobs(cfg, sources, db.pool, log, 'nft.yaml')).rejects.toThrow('jobs: job "one": source "nftport" has no item "0xnope"');
  });

  it('rejects bad schedules, time zones and unknown sources with the key at fault', () => {
    expect(() => parseConfig(nftConfig([{ name: 'x', source: 'nftport', schedule: '0 3 * *' }]))).toThrow('jobs[2].schedule: "0 3 * *" is neither "every <duration>" nor a 5-field cron expression');
    expect(() => parseConfig(nftConfig([{ name: 'x', source: 'nftport', schedule: 'every 0.5s' }]))).toThrow('jobs[2].schedule: "every 0.5s": the interval must be a duration of at least 1s');
    expect(() => parseConfig(nftConfig([{ name: 'x', source: 'nftport', schedule: '0 3 * * *', tz: 'Mars/Olympus' }]))).toThrow('jobs[2].tz: unknown time zone');
    expect(() => parseConfig(nftConfig([{ name: 'x', source: 'opensea', schedule: 'every 1h' }]))).toThrow('jobs[2].source: unknown source "opensea" (configured: mnemonic, nftport)');
  });
});
