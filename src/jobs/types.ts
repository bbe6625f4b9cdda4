// A job is a named unit of background work on a schedule: an ingest pass of a source task,
// an analytics computation, a retention run. Modules define jobs; a runner (jobs/runner.ts)
// decides where and when they run. This is the seam between "what" and "how it is scheduled".
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';

export type JobSchedule =
  /** Every N milliseconds after the previous run ended. */
  | { every: number }
  /** Cron expression (5 fields, minute precision) in a time zone, e.g. "0 3 * * *" in Europe/Berlin. */
  | { cron: string; tz: string }
  /** Runs once and keeps running until it returns (e.g. a live replay); restarted on failure. */
  | { continuous: true };

/** How a failed run is retried before it goes to the dead-letter queue. */
export interface RetryPolicy {
  limit: number;
  /** Delay before the first retry, ms; doubled each time when `backoff`. */
  delayMs: number;
  backoff: boolean;
}

export interface JobContext {
  signal: AbortSignal;
  log: Logger;
  pool: Pool;
}

export interface JobOutcome {
  /** Rows written by this run. */
  rows: number;
  /** Provider units spent by this run, when known. */
  calls?: number;
  /** Problems that did not stop the whole run (e.g. one market of many failed). */
  errors: Array<{ scope?: string; error: string }>;
  /** True when the run as a whole failed (every part of it errored). */
  failed: boolean;
}

export interface JobDefinition {
  /** Unique, stable name, e.g. "ingest:binance:trades". */
  name: string;
  description: string;
  schedule: JobSchedule;
  /** Higher runs first when work must be deferred. */
  priority: number;
  run(ctx: JobContext): Promise<JobOutcome>;
  /** Default: 3 retries from 5 s with exponential backoff. */
  retry?: RetryPolicy;
  /** Longest a run may take, ms (default 1 h): the run is stopped then, and pg-boss treats it as failed a little later. */
  timeoutMs?: number;
  /** Source this job ingests from (for GET /v1/sources). */
  source?: string;
  /** Why the job is deferred (budget degradation); deferred jobs are not scheduled. */
  deferred?: string;
}
