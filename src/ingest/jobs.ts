// Ingest jobs: one per source task ("ingest:<source>:<task>"), each running a pass.
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import type { JobDefinition } from '../jobs/types.js';
import type { Source } from '../sources/types.js';
import { SourceRunner } from './runner.js';

export async function ingestJobs(sources: Source[], pool: Pool, log: Logger): Promise<JobDefinition[]> {
  const jobs: JobDefinition[] = [];
  for (const source of sources) {
    const runner = new SourceRunner(source, pool, log.child({ source: source.id }));
    for (const task of await source.tasks()) {
      jobs.push({
        name: `ingest:${source.id}:${task.kind}`,
        description: `${task.kind} from ${source.type} source "${source.id}"`,
        schedule: task.every === null ? { continuous: true } : { every: task.every },
        priority: 0,
        run: async ({ signal }) => {
          const r = await runner.runPass(task, signal);
          return { rows: r.rows, errors: r.errors.map((e) => ({ scope: e.market, error: e.error })), failed: r.errors.length > 0 && r.errors.length >= r.markets };
        },
      });
    }
  }
  return jobs;
}
