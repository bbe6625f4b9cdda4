// Runs job definitions inside this process until stopped (the pg-boss runner uses it for
// continuous jobs, which it hands to exactly one process): each job on its own loop, one
// run at a time (a slow run never overlaps itself). A failing job backs off, doubling up
// to 5 minutes, instead of hammering whatever it calls. Stopping waits for running jobs to
// finish their current write, so nothing is half-stored.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import type { JobDefinition, JobOutcome } from './types.js';

const MAX_BACKOFF_MS = 300_000;

export class JobRunner {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly jobs: JobDefinition[], private readonly pool: Pool, private readonly log: Logger, private readonly onRun?: (job: JobDefinition, outcome: JobOutcome, ms: number) => void) {}

  start(): void {
    for (const job of this.jobs) this.loops.push(this.loop(job));
  }

  private async loop(job: JobDefinition): Promise<void> {
    const { signal } = this.abort;
    const log = this.log.child({ job: job.name });
    let failures = 0;
    while (!signal.aborted) {
      const started = Date.now();
      try {
        const outcome = await job.run({ signal, log, pool: this.pool });
        this.onRun?.(job, outcome, Date.now() - started);
        failures = outcome.failed ? failures + 1 : 0;
        log.debug({ rows: outcome.rows, errors: outcome.errors.length, ms: Date.now() - started }, 'job run done');
        if ('continuous' in job.schedule && !outcome.failed) return; // ran to its end
      } catch (e) {
        if (signal.aborted) break;
        failures++;
        log.error({ err: (e as Error).message }, 'job failed');
      }
      let wait = 'every' in job.schedule ? job.schedule.every : 0;
      if (failures > 0) wait = Math.min(MAX_BACKOFF_MS, Math.max(wait, 1000) * 2 ** Math.min(failures - 1, 10));
      await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Stops all jobs, waiting for running ones to finish their current write. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }
}
