// Operations on jobs shared by the CLI (`wick jobs …`) and the admin API: list jobs with
// their state and queue, inspect the dead-letter queue, move entries back to their job's
// queue, flush it, and run a job now. Uses pg-boss as a sender only (no workers here).
import type PgBoss from 'pg-boss';
import type { Pool } from '../db/pool.js';
import { createBoss, DEAD_LETTER_QUEUE } from './boss.js';
import { listJobStates, type JobStateRow } from './state.js';

export interface JobInfo extends JobStateRow {
  queued: number;
  retrying: number;
  active: number;
}

export interface DeadLetter {
  id: string;
  job: string;
  error: string;
  failed_at: number;
  data: Record<string, unknown>;
}

export class UnknownJobError extends Error {}

export class JobAdmin {
  private boss: Promise<PgBoss> | null = null;

  constructor(private readonly pool: Pool) {}

  private sender(): Promise<PgBoss> {
    this.boss ??= (async () => {
      const b = createBoss(this.pool, { supervise: false });
      await b.start();
      return b;
    })();
    return this.boss;
  }

  async list(): Promise<JobInfo[]> {
    const states = await listJobStates(this.pool);
    const counts = new Map<string, Record<string, number>>();
    if (await this.installed()) {
      const r = await this.pool.query<{ name: string; state: string; n: number }>(
        `SELECT name, state::text, count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active') AND name <> $1 GROUP BY name, state`,
        [DEAD_LETTER_QUEUE],
      );
      for (const row of r.rows) counts.set(row.name, { ...counts.get(row.name), [row.state]: row.n });
    }
    return states.map((s) => ({ ...s, queued: counts.get(s.name)?.created ?? 0, retrying: counts.get(s.name)?.retry ?? 0, active: counts.get(s.name)?.active ?? 0 }));
  }

  async deadLetters(): Promise<DeadLetter[]> {
    if (!(await this.installed())) return [];
    const r = await this.pool.query<{ id: string; data: Record<string, unknown> | null; output: Record<string, unknown> | null; failed_at: number }>(
      `SELECT id::text, data, output, (extract(epoch FROM created_on) * 1000)::int8 AS failed_at FROM pgboss.job WHERE name = $1 AND state = 'created' ORDER BY created_on, id`,
      [DEAD_LETTER_QUEUE],
    );
    return r.rows.map((row) => ({
      id: row.id,
      job: String(row.data?.job ?? '(unknown)'),
      error: String(row.output?.message ?? JSON.stringify(row.output ?? null)),
      failed_at: row.failed_at,
      data: row.data ?? {},
    }));
  }

  /** Moves dead letters back to their job's queue (with the queue's retries; exhausting them again returns them here). */
  async retry(which: { id: string } | { all: true }): Promise<Array<{ id: string; job: string; jobId: string | null }>> {
    const letters = await this.deadLetters();
    const chosen = 'all' in which ? letters : letters.filter((l) => l.id === which.id);
    if (!('all' in which) && chosen.length === 0) throw new UnknownJobError(`no dead letter with id ${which.id}${letters.length ? '' : ' (the dead-letter queue is empty)'}`);
    const boss = await this.sender();
    const out: Array<{ id: string; job: string; jobId: string | null }> = [];
    for (const l of chosen) {
      if (!(await boss.getQueue(l.job))) throw new UnknownJobError(`dead letter ${l.id} belongs to job "${l.job}", which no worker has registered`);
      const jobId = (await boss.send(l.job, { ...l.data, job: l.job, retriedFrom: l.id })) ?? (await this.queuedId(l.job));
      await boss.deleteJob(DEAD_LETTER_QUEUE, l.id);
      out.push({ id: l.id, job: l.job, jobId });
    }
    return out;
  }

  async flush(): Promise<number> {
    if (!(await this.installed())) return 0;
    const r = await this.pool.query(`DELETE FROM pgboss.job WHERE name = $1 AND state = 'created'`, [DEAD_LETTER_QUEUE]);
    return r.rowCount ?? 0;
  }

  /** Queues a run now. When a run is already waiting, that one is returned (a job never queues twice). */
  async run(job: string): Promise<{ jobId: string; alreadyQueued: boolean }> {
    const known = (await listJobStates(this.pool)).map((s) => s.name);
    const boss = await this.sender();
    if (!known.includes(job) || !(await boss.getQueue(job))) {
      throw new UnknownJobError(`unknown job "${job}"${known.length ? `; known jobs: ${known.join(', ')}` : '; no worker has registered any job yet (start `wick start` or `wick worker` first)'}`);
    }
    const priority = (await this.pool.query<{ priority: number }>(`SELECT priority FROM job_state WHERE name = $1`, [job])).rows[0]?.priority ?? 0;
    const id = await boss.send(job, { job, manual: true }, { priority });
    if (id) return { jobId: id, alreadyQueued: false };
    const queued = await this.queuedId(job);
    if (!queued) throw new Error(`could not queue job "${job}"`);
    return { jobId: queued, alreadyQueued: true };
  }

  private async queuedId(job: string): Promise<string | null> {
    const r = await this.pool.query<{ id: string }>(`SELECT id::text FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry') ORDER BY created_on LIMIT 1`, [job]);
    return r.rows[0]?.id ?? null;
  }

  private async installed(): Promise<boolean> {
    const r = await this.pool.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'pgboss' AND table_name = 'job'`);
    return r.rowCount === 1;
  }

  async close(): Promise<void> {
    const b = await this.boss?.catch(() => null);
    await b?.stop({ graceful: false, close: false, wait: true }).catch(() => undefined);
  }
}
