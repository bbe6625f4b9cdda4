// Runs job definitions through pg-boss, so several `wick worker` processes on one database
// share the work and no job runs twice:
//   - every job has its own queue with the "stately" policy: at most one run queued and one
//     active per job, so a slow run never overlaps the previous one;
//   - cron jobs use pg-boss schedules (time zone aware, evaluated once per minute cluster-wide);
//   - interval jobs are sent by every worker into the same time slot (singletonSeconds), and
//     pg-boss keeps only one per slot;
//   - retries with exponential backoff come from the queue's retry policy, and a run that
//     exhausts them moves to the dead-letter queue with its error.
// Continuous jobs (e.g. a live replay) are long-lived loops, not queue work: each is owned by
// exactly one process through a Postgres advisory lock (session level, so a crashed owner
// releases it and another worker takes over within a few seconds).
// Queue runs are leased the same way: a worker holds a session lock per run it works, and
// every worker fails (so pg-boss retries) active runs whose lock nobody holds any more. A
// worker killed mid-run thus hands its job to the others within seconds, not after the
// run's expiry (its timeout, an hour by default), during which the job could not run at all.
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryResultRow } from 'pg';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Pool, PoolClient } from '../db/pool.js';
import { deadline } from '../domain/deadline.js';
import { createBoss, DEAD_LETTER_QUEUE } from './boss.js';
import { JobRunner } from './runner.js';
import { nextRun } from './schedule.js';
import { recordRun, registerJobs } from './state.js';
import type { JobDefinition, JobOutcome } from './types.js';

export interface BossRunnerOptions {
  pollIntervalMs: number;
  stopTimeoutMs: number;
  /** How often active runs are checked for a dead worker (default 5 s). */
  leaseCheckMs?: number;
}

/** A run younger than this is not checked yet: its worker may not have taken its lease. */
const LEASE_GRACE_S = 5;

const DEFAULT_RETRY = { limit: 3, delayMs: 5000, backoff: true };
const DEFAULT_TIMEOUT_MS = 3_600_000;
/** pg-boss expires an active job this long after our own timeout stopped it, so a live run is never handed to another worker. */
const EXPIRY_MARGIN_S = 60;

export class BossRunner {
  private boss: PgBoss | null = null;
  private readonly abort = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private lockClient: PoolClient | null = null;
  private readonly owned = new Map<string, JobRunner>();
  /** pg-boss ids of the runs this process is working (it holds their leases). */
  private readonly running = new Set<string>();

  constructor(private readonly jobs: JobDefinition[], private readonly pool: Pool, private readonly log: Logger, private readonly opts: BossRunnerOptions = { pollIntervalMs: 2000, stopTimeoutMs: 30_000 }) {}

  async start(): Promise<void> {
    // Taken first: pg-boss hands out runs as soon as a queue is worked, and each run takes its lease here.
    this.lockClient = await this.lockSession();
    const boss = createBoss(this.pool, { supervise: true });
    boss.on('error', (e) => this.log.warn({ err: e.message }, 'pg-boss maintenance error'));
    await boss.start();
    this.boss = boss;
    // Workers starting together would race creating the same queues (pg-boss's DDL can
    // deadlock): set them up one worker at a time.
    const setup = await this.pool.connect();
    try {
      await setup.query(`SELECT pg_advisory_lock(hashtextextended('wick-queue-setup', 0))`);
      await this.setUp(boss);
    } finally {
      await setup.query(`SELECT pg_advisory_unlock(hashtextextended('wick-queue-setup', 0))`).catch(() => undefined);
      setup.release();
    }
    const continuous = this.jobs.filter((j) => 'continuous' in j.schedule && !j.deferred);
    if (continuous.length > 0) await this.claimContinuous(continuous);
    const queues = this.jobs.filter((j) => !('continuous' in j.schedule)).map((j) => j.name);
    if (queues.length > 0) {
      this.timers.push(setInterval(() => void this.reapOrphans(queues).catch((e: Error) => this.log.warn({ err: e.message }, 'could not check job leases')), this.opts.leaseCheckMs ?? 5000));
    }
  }

  /** Fails active runs of these queues whose worker no longer holds their lease, so pg-boss retries them elsewhere. */
  private async reapOrphans(queues: string[]): Promise<void> {
    const boss = this.boss;
    if (!this.lockClient || !boss || this.abort.signal.aborted) return;
    const active = await this.pool.query<{ name: string; id: string }>(
      `SELECT name, id::text FROM pgboss.job WHERE state = 'active' AND name = ANY($1) AND started_on < now() - make_interval(secs => $2)`,
      [queues, LEASE_GRACE_S],
    );
    for (const run of active.rows) {
      // Session locks are re-entrant: this process would always "get" its own runs' leases.
      if (this.running.has(run.id)) continue;
      if (!(await this.tryLock(leaseKey(run.id)))) continue;
      await this.unlock(leaseKey(run.id));
      this.log.warn({ job: run.name, run: run.id }, 'the worker running this job is gone: failing the run so it is retried');
      await boss.fail(run.name, run.id, { message: 'the worker running it stopped mid-run (its database session ended); retried' });
    }
  }

  private async setUp(boss: PgBoss): Promise<void> {
    await ensureQueue(boss, DEAD_LETTER_QUEUE, { name: DEAD_LETTER_QUEUE, retentionDays: 30 } as PgBoss.Queue);
    await registerJobs(this.pool, this.jobs);
    const scheduled = new Set<string>();
    for (const job of this.jobs) {
      if ('continuous' in job.schedule) continue;
      const retry = job.retry ?? DEFAULT_RETRY;
      await ensureQueue(boss, job.name, {
        name: job.name,
        policy: 'stately',
        retryLimit: retry.limit,
        retryDelay: Math.max(retry.limit > 0 ? 1 : 0, Math.ceil(retry.delayMs / 1000)),
        retryBackoff: retry.backoff,
        deadLetter: DEAD_LETTER_QUEUE,
        // A worker that dies mid-run leaves its job active; pg-boss fails (and retries) it after this.
        expireInSeconds: Math.ceil((job.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000) + EXPIRY_MARGIN_S,
      });
      // Deferred jobs are not scheduled but still worked, so a manual run goes through.
      if (!job.deferred) {
        if ('cron' in job.schedule) {
          await boss.schedule(job.name, job.schedule.cron, { job: job.name }, { tz: job.schedule.tz, priority: job.priority });
          scheduled.add(job.name);
        } else this.startTicker(boss, job, job.schedule.every);
      } else this.log.warn({ job: job.name, reason: job.deferred }, 'job deferred: not scheduled');
      await boss.work<{ job: string }>(job.name, { pollingIntervalSeconds: Math.max(0.5, this.opts.pollIntervalMs / 1000), batchSize: 1 }, ([j]) => this.handle(job, j));
    }
    // Cron schedules of jobs no longer declared (or deferred, or now on an interval) would keep firing: drop them.
    for (const s of await boss.getSchedules()) {
      if (!scheduled.has(s.name)) await boss.unschedule(s.name);
    }
  }

  /** Sends the job into its current time slot; every worker does, pg-boss keeps one. */
  private startTicker(boss: PgBoss, job: JobDefinition, every: number): void {
    const slot = Math.max(1, Math.floor(every / 1000));
    const tick = () => {
      boss.send(job.name, { job: job.name }, { singletonKey: job.name, singletonSeconds: slot, priority: job.priority })
        .catch((e: Error) => this.log.warn({ job: job.name, err: e.message }, 'could not queue a job run'));
    };
    tick();
    this.timers.push(setInterval(tick, Math.min(5000, Math.max(250, every / 4))));
  }

  private async handle(job: JobDefinition, j: PgBoss.Job<{ job: string }>): Promise<{ rows: number; calls: number }> {
    const log = this.log.child({ job: job.name, run: j.id });
    const startedAt = new Date();
    let outcome: JobOutcome | null = null;
    let error: string | null = null;
    let calls = 0;
    const limit = deadline(this.abort.signal, job.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal = limit.signal;
    this.running.add(j.id);
    try {
      await this.lockQuery(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [leaseKey(j.id)]); // waits out a reaper's brief check
      outcome = await job.run({ signal, log, pool: this.pool });
      if (outcome.failed) error = outcome.errors.map((e) => (e.scope ? `${e.scope}: ${e.error}` : e.error)).join('; ') || 'run failed';
    } catch (e) {
      error = (e as Error).message ?? String(e);
      calls = (e as { calls?: number }).calls ?? 0;
    } finally {
      await this.unlock(leaseKey(j.id)).catch(() => undefined);
      this.running.delete(j.id);
    }
    limit.done();
    if (signal.aborted) {
      // Stopped part-way (shutdown or timeout): what was stored stays stored; the run is retried.
      const why = this.abort.signal.aborted ? 'interrupted by shutdown' : `stopped after its timeout of ${job.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`;
      error = error ? `${why}: ${error}` : why;
    }
    const durationMs = Date.now() - startedAt.getTime();
    const next = 'cron' in job.schedule || 'every' in job.schedule ? nextRun(job.schedule, new Date()) : null;
    await recordRun(this.pool, job.name, { startedAt, durationMs, rows: outcome?.rows ?? 0, calls: outcome?.calls ?? calls, error, nextRunAt: job.deferred ? null : next })
      .catch((e: Error) => log.warn({ err: e.message }, 'could not record the job state'));
    if (error !== null) {
      log.error({ err: error, ms: durationMs }, 'job run failed');
      throw new Error(error); // pg-boss retries it, then moves it to the dead-letter queue
    }
    log.debug({ rows: outcome!.rows, ms: durationMs }, 'job run done');
    return { rows: outcome!.rows, calls: outcome!.calls ?? 0 };
  }

  /** The session that holds this process's locks (continuous jobs, run leases). */
  private async lockSession(): Promise<PoolClient> {
    const client = await this.pool.connect();
    // A checked-out client has no error listener: without one, a dropped connection would crash the process.
    client.on('error', (e: Error) => this.log.warn({ err: e.message }, 'the lock session lost its connection'));
    return client;
  }

  /** A query on the lock session; a broken session (e.g. Postgres restarted) is replaced once and the query retried. */
  private async tryLock(key: string): Promise<boolean> {
    return (await this.lockQuery<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`, [key])).rows[0].ok;
  }

  private async unlock(key: string): Promise<void> {
    await this.lockQuery(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key]);
  }

  private async lockQuery<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[]): Promise<{ rows: R[] }> {
    if (!this.lockClient) throw new Error('the job runner is stopped');
    try {
      return await this.lockClient.query<R>(sql, params);
    } catch (e) {
      if (this.abort.signal.aborted) throw e;
      const broken = this.lockClient;
      const alive = await broken.query('SELECT 1').then(() => true, () => false);
      if (alive) throw e;
      this.lockClient = await this.lockSession();
      broken.release(true);
      // Locks died with the old session: continuous jobs this process ran may now be claimed elsewhere.
      this.log.warn('reconnected the lock session');
      return this.lockClient.query<R>(sql, params);
    }
  }

  private async claimContinuous(jobs: JobDefinition[]): Promise<void> {
    const claim = async () => {
      for (const job of jobs) {
        if (this.owned.has(job.name) || this.abort.signal.aborted) continue;
        if (!(await this.tryLock(`wick-continuous:${job.name}`))) continue;
        this.log.info({ job: job.name }, 'this process owns the continuous job');
        const runner = new JobRunner([job], this.pool, this.log, (def, outcome, ms) => {
          void recordRun(this.pool, def.name, { startedAt: new Date(Date.now() - ms), durationMs: ms, rows: outcome.rows, calls: outcome.calls ?? 0, error: outcome.failed ? outcome.errors.map((e) => e.error).join('; ') : null, nextRunAt: null }).catch(() => undefined);
        });
        runner.start();
        this.owned.set(job.name, runner);
      }
    };
    await claim();
    if (this.owned.size < jobs.length) {
      this.timers.push(setInterval(() => void claim().catch((e: Error) => this.log.warn({ err: e.message }, 'could not claim continuous jobs')), Math.max(1000, this.opts.pollIntervalMs * 2)));
    }
  }

  /** Stops taking work, lets running jobs finish their current write (pg-boss graceful stop), releases continuous jobs. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.abort.abort();
    await Promise.allSettled([...this.owned.values()].map((r) => r.stop()));
    // Runs still finishing keep their leases until pg-boss has let them end.
    await this.boss?.stop({ graceful: true, wait: true, timeout: this.opts.stopTimeoutMs, close: false });
    this.boss = null;
    // A run that outlived pg-boss's grace period is aborted and ends shortly; pg-boss settles it
    // when it does, and that must happen before the caller closes the pool.
    for (let waited = 0; this.running.size > 0 && waited < this.opts.stopTimeoutMs; waited += 50) await sleep(50);
    await sleep(0);
    if (this.lockClient) {
      await this.lockClient.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      this.lockClient.release();
      this.lockClient = null;
    }
  }
}

const leaseKey = (runId: string) => `wick-run:${runId}`;

/** Creates a queue, or brings an existing one's options up to date (another worker may race us). */
export async function ensureQueue(boss: PgBoss, name: string, options: PgBoss.Queue): Promise<void> {
  if (await boss.getQueue(name)) return boss.updateQueue(name, options);
  try {
    await boss.createQueue(name, options);
  } catch (e) {
    if (!(await boss.getQueue(name))) throw e;
  }
}
