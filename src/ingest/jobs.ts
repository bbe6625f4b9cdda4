// Ingest jobs: one per source task ("ingest:<source>:<task>") on the task's default
// interval, unless the `jobs:` section declares jobs for that task (with their own
// schedule, priority, retry policy and subset of markets/items), which replace it.
import type { Logger } from 'pino';
import type { JobUse } from '../budgets/plan.js';
import type { Pool } from '../db/pool.js';
import type { JobConfig } from '../jobs/config.js';
import { parseSchedule, runsPerDay } from '../jobs/schedule.js';
import type { JobDefinition, JobSchedule } from '../jobs/types.js';
import type { IngestListener } from '../realtime/publisher.js';
import { unmeteredCall, type ProviderCall, type Source, type SourceTask } from '../sources/types.js';
import { SourceRunner } from './runner.js';
import { countingGate } from '../ops/metrics.js';

export interface IngestJob extends JobDefinition {
  /** Projected provider use of this job, for the budget plan (null: no metered provider). */
  use(): Promise<JobUse | null>;
}

/** A declared job that does not fit its source (reported as a configuration error). */
export class JobConfigError extends Error {}

export interface IngestJobOptions {
  /** Declared jobs (config `jobs:`). */
  declared?: JobConfig[];
  /** The provider-call gate (the budget limiter); unmetered by default. */
  call?: ProviderCall;
  /** Told about every committed batch (the realtime publisher). */
  events?: IngestListener;
}

export async function ingestJobs(sources: Source[], pool: Pool, log: Logger, opts: IngestJobOptions = {}): Promise<IngestJob[]> {
  const jobs: IngestJob[] = [];
  const declared = opts.declared ?? [];
  // Every upstream call is counted for /metrics, then passes the budget limiter.
  const gate = countingGate(opts.call ?? unmeteredCall);
  for (const source of sources) {
    const tasks = await source.tasks();
    const mine = declared.filter((j) => j.source === source.id);
    for (const j of mine) {
      const task = j.task ? tasks.find((t) => t.kind === j.task) : tasks.length === 1 ? tasks[0] : undefined;
      if (!task) {
        const have = tasks.map((t) => t.kind).join(', ') || 'none';
        throw new JobConfigError(j.task ? `job "${j.name}": source "${source.id}" has no ${j.task} task (it has: ${have})` : `job "${j.name}": source "${source.id}" has several tasks (${have}); say which with "task:"`);
      }
      const schedule = parseSchedule(j.schedule, j.tz) as JobSchedule;
      const only = j.markets ?? j.items;
      const known = source.budget?.(task.kind)?.items;
      const missing = only && known ? only.filter((x) => !known.includes(x)) : [];
      if (missing.length) throw new JobConfigError(`job "${j.name}": source "${source.id}" has no ${j.markets ? 'market' : 'item'} ${missing.map((m) => `"${m}"`).join(', ')} (it has ${known!.slice(0, 5).join(', ')}${known!.length > 5 ? ', …' : ''})`);
      jobs.push(makeJob(source, task, pool, log, gate, opts.events, {
        name: j.name,
        description: `${task.kind} from ${source.type} source "${source.id}"${only ? ` (${only.length} of its ${j.markets ? 'markets' : 'items'})` : ''}`,
        schedule, priority: j.priority, only,
        retry: { limit: j.retry.limit, delayMs: j.retry.delay, backoff: j.retry.backoff },
        timeoutMs: j.timeout,
      }));
    }
    for (const task of tasks) {
      if (mine.some((j) => (j.task ?? tasks[0].kind) === task.kind)) continue; // replaced by declared jobs
      jobs.push(makeJob(source, task, pool, log, gate, opts.events, {
        name: `ingest:${source.id}:${task.kind}`,
        description: `${task.kind} from ${source.type} source "${source.id}"`,
        schedule: task.every === null ? { continuous: true } : { every: task.every },
        priority: 0,
      }));
    }
  }
  return jobs;
}

interface JobSpec { name: string; description: string; schedule: JobSchedule; priority: number; only?: string[]; retry?: JobDefinition['retry']; timeoutMs?: number }

function makeJob(source: Source, task: SourceTask, pool: Pool, log: Logger, call: ProviderCall, events: IngestListener | undefined, spec: JobSpec): IngestJob {
  // Runs of one job never overlap (one active run per job queue), so a per-job counter is exact.
  let spent = 0;
  const counted: ProviderCall = (provider, cost, fn) => {
    spent += cost;
    return call(provider, cost, fn);
  };
  const runner = new SourceRunner(source, pool, log.child({ source: source.id, job: spec.name }), counted, events);
  return {
    ...spec,
    source: source.id,
    run: async ({ signal }) => {
      spent = 0;
      const r = await runner.runPass(task, signal, spec.only).catch((e: unknown) => {
        // A failed run still spent provider calls: report them with the error.
        if (e && typeof e === 'object') (e as { calls?: number }).calls = spent;
        throw e;
      });
      return { rows: r.rows, calls: spent, errors: r.errors.map((e) => ({ scope: e.market, error: e.error })), failed: r.errors.length > 0 && r.errors.length >= r.markets };
    },
    use: async () => {
      const b = source.budget?.(task.kind);
      if (!b || 'continuous' in spec.schedule) return null;
      let items = spec.only?.length ?? b.items?.length;
      let what = 'items';
      if (items === undefined) {
        // No configured list: the venue's markets as currently known.
        items = Number((await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM markets WHERE venue_id = $1 AND active`, [source.venue])).rows[0].n);
        what = 'known markets';
      }
      const unitsPerRun = b.perRun + b.perItem * items;
      const basis = b.perItem > 0 ? `${items.toLocaleString('en-US')} ${what} × ${b.perItem}${b.perRun ? ` + ${b.perRun}` : ''}` : `${b.perRun}`;
      return { job: spec.name, provider: b.provider, priority: spec.priority, runsPerDay: runsPerDay(spec.schedule), unitsPerRun, basis };
    },
  };
}
