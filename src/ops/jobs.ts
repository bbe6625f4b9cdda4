// Background jobs of operations (scheduled backups, pruning API-key usage counters) and
// the wrapper that gives every job its metrics and error reports, whichever runner runs it.
import type { WickConfig } from '../config/schema.js';
import type { JobDefinition } from '../jobs/types.js';
import { pruneKeyUsage } from '../auth/api-keys.js';
import { backupJobs } from './backup/index.js';
import { recordJobError, recordJobRun } from './metrics.js';
import { reportError } from './sentry.js';

export function opsJobs(config: WickConfig): JobDefinition[] {
  return [
    ...backupJobs(config.backup, config.dataDir),
    {
      name: 'ops:prune-key-usage',
      description: 'delete finished API-key rate windows and old monthly counters',
      schedule: { every: 3_600_000 },
      priority: 0,
      run: async ({ pool }) => ({ rows: await pruneKeyUsage(pool), errors: [], failed: false }),
    },
  ];
}

/** Records duration, outcome, rows and last success of every run (and reports throws to Sentry). */
export function instrumentJobs(jobs: JobDefinition[]): JobDefinition[] {
  return jobs.map((job) => ({
    ...job,
    run: async (ctx) => {
      const started = Date.now();
      try {
        const outcome = await job.run(ctx);
        recordJobRun(job, outcome, Date.now() - started);
        return outcome;
      } catch (e) {
        if (!ctx.signal.aborted) {
          recordJobError(job, Date.now() - started);
          reportError(e, { job: job.name });
        }
        throw e;
      }
    },
  }));
}
