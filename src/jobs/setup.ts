// Wiring for workers and `wick budget plan`: ingest jobs with the shared provider limiter,
// their budget plan, the refuse/degrade decision, and the pg-boss runner.
import type { Logger } from 'pino';
import { ProviderLimiter } from '../budgets/limiter.js';
import { degrade, fmt, planBudget, type JobUse, type ProviderPlan } from '../budgets/plan.js';
import { ConfigError } from '../config/load.js';
import type { WickConfig } from '../config/schema.js';
import type { Pool } from '../db/pool.js';
import { ingestJobs, JobConfigError, type IngestJob } from '../ingest/jobs.js';
import type { IngestListener } from '../realtime/publisher.js';
import type { Source } from '../sources/types.js';
import { BossRunner } from './boss-runner.js';
import type { JobDefinition } from './types.js';

export async function buildIngestJobs(config: WickConfig, sources: Source[], pool: Pool, log: Logger, file: string | null = null, events?: IngestListener): Promise<IngestJob[]> {
  const limiter = new ProviderLimiter(pool, config.providers, log.child({ component: 'budgets' }));
  for (const s of sources) {
    const provider = s.budget?.('trades')?.provider ?? s.budget?.('metrics')?.provider;
    const rate = provider ? config.providers[provider]?.rate : undefined;
    if (rate) s.applyRate?.(rate);
  }
  try {
    return await ingestJobs(sources, pool, log, { declared: config.jobs, call: limiter.call, events });
  } catch (e) {
    if (e instanceof JobConfigError) throw new ConfigError([`jobs: ${e.message}`], file);
    throw e;
  }
}

export async function budgetPlan(jobs: IngestJob[], config: WickConfig): Promise<{ uses: JobUse[]; plans: ProviderPlan[] }> {
  const uses = (await Promise.all(jobs.map((j) => j.use()))).filter((u): u is JobUse => u !== null);
  return { uses, plans: planBudget(uses, config.providers) };
}

/** Refuses a plan above a hard quota (ConfigError: exit 2), or defers the lowest-priority jobs when degrading. */
export async function enforceBudget(jobs: IngestJob[], config: WickConfig, file: string | null, degradeAllowed: boolean, log: Logger): Promise<Map<string, string>> {
  const { uses, plans } = await budgetPlan(jobs, config);
  const over = plans.filter((p) => p.hard && p.overruns.length > 0);
  for (const p of plans.filter((x) => !x.hard && x.overruns.length > 0)) log.warn({ provider: p.provider, overruns: p.overruns }, 'provider projected above its soft quota');
  if (over.length === 0) return new Map();
  if (!degradeAllowed) {
    throw new ConfigError(over.map((p) => `providers.${p.provider}: ${p.overruns.join('; ')} (hard quota; ${fmt(p.perDay)} calls/day from ${p.jobs.map((j) => j.job).join(', ')}). Lower the schedules or markets/items, raise the quota, mark it "hard: false", or start with --degrade (budgets.onOverrun: degrade) to defer the lowest-priority jobs`), file);
  }
  const deferred = degrade(uses, config.providers);
  for (const job of jobs) {
    const why = deferred.get(job.name);
    if (why) {
      job.deferred = why;
      log.warn({ job: job.name, priority: job.priority, reason: why }, 'budget: job deferred');
    }
  }
  return deferred;
}

export async function startScheduler(jobs: JobDefinition[], config: WickConfig, pool: Pool, log: Logger): Promise<BossRunner> {
  const runner = new BossRunner(jobs, pool, log, { pollIntervalMs: config.scheduler.pollInterval, stopTimeoutMs: config.scheduler.stopTimeout });
  await runner.start();
  return runner;
}
