// pg-boss on Wick's own connection pool (so its queries count against the pool's bound
// and work on the embedded Postgres as on an external one). Its tables live in the
// "pgboss" schema, which pg-boss creates and migrates itself.
import PgBoss from 'pg-boss';
import type { Pool } from '../db/pool.js';

/** The one dead-letter queue: failed jobs keep their data (which names the job) and error. */
export const DEAD_LETTER_QUEUE = 'wick-dead-letter';

export interface BossOptions {
  /** Run pg-boss maintenance and cron evaluation in this process (workers); false for API/CLI senders. */
  supervise: boolean;
}

export function createBoss(pool: Pool, o: BossOptions): PgBoss {
  const boss = new PgBoss({
    db: { executeSql: (text, values) => pool.query(text, values) },
    supervise: o.supervise,
    schedule: o.supervise,
    migrate: true,
    // Cron schedules are evaluated every 30 s (pg-boss's granularity is the minute).
    cronWorkerIntervalSeconds: 30,
  });
  boss.on('error', () => undefined); // maintenance errors are retried by pg-boss; the runner logs its own
  return boss;
}
