// Job runs go out on the "jobs" channel (the admins' live view). Alert jobs that found
// nothing stay quiet, or the channel would tick every few seconds for nothing.
import type { JobDefinition } from '../jobs/types.js';
import type { EventBus } from './bus.js';

export function announceJobRuns(jobs: JobDefinition[], bus: EventBus): JobDefinition[] {
  return jobs.map((job) => ({
    ...job,
    run: async (ctx) => {
      const started = Date.now();
      const outcome = await job.run(ctx);
      if (!(job.name.startsWith('alerts:') && outcome.rows === 0 && !outcome.failed)) {
        const data = { job: job.name, rows: outcome.rows, errors: outcome.errors.length, failed: outcome.failed, ms: Date.now() - started };
        bus.publish([{ channel: 'jobs', type: 'job', data }]).catch(() => undefined);
      }
      return outcome;
    },
  }));
}
