// A job is a named unit of background work on a schedule: an ingest pass of a source task,
// an analytics computation, a retention run. Modules define jobs; a runner (jobs/runner.ts)
// decides where and when they run. This is the seam between "what" and "how it is scheduled".
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';

export type JobSchedule =
  /** Every N milliseconds after the previous run ended. */
  | { every: number }
  /** Runs once and keeps running until it returns (e.g. a live replay); restarted on failure. */
  | { continuous: true };

export interface JobContext {
  signal: AbortSignal;
  log: Logger;
  pool: Pool;
}

export interface JobOutcome {
  /** Rows written by this run. */
  rows: number;
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
}
