// Job state persisted for every process to see: last run, last success, duration, rows,
// provider calls spent, next run, last error (GET /v1/jobs, GET /v1/sources, `wick jobs list`).
import type { Pool } from '../db/pool.js';
import { describeSchedule, nextRun } from './schedule.js';
import type { JobDefinition } from './types.js';

export async function registerJobs(pool: Pool, jobs: JobDefinition[]): Promise<void> {
  const now = new Date();
  // The starting worker's configuration is the truth: jobs no longer declared disappear.
  await pool.query(`DELETE FROM job_state WHERE NOT (name = ANY($1::text[]))`, [jobs.map((j) => j.name)]);
  for (const j of jobs) {
    await pool.query(
      `INSERT INTO job_state (name, source, description, schedule, priority, deferred, next_run_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (name) DO UPDATE SET source = excluded.source, description = excluded.description, schedule = excluded.schedule,
         priority = excluded.priority, deferred = excluded.deferred, next_run_at = coalesce(job_state.next_run_at, excluded.next_run_at), updated_at = now()`,
      [j.name, j.source ?? null, j.description, describeSchedule(j.schedule), j.priority, j.deferred ?? null, j.deferred ? null : nextRun(j.schedule, now)],
    );
  }
}

export interface RunRecord {
  startedAt: Date;
  durationMs: number;
  rows: number;
  calls: number;
  error: string | null;
  nextRunAt: Date | null;
}

export async function recordRun(pool: Pool, name: string, r: RunRecord): Promise<void> {
  await pool.query(
    `UPDATE job_state SET last_run_at = $2::timestamptz, last_duration_ms = $3::int, last_rows = $4::int, last_calls = $5::numeric, runs = runs + 1,
       last_success_at = CASE WHEN $6::text IS NULL THEN $2::timestamptz + $3::int * interval '1 millisecond' ELSE last_success_at END,
       last_error = coalesce($6::text, last_error), last_error_at = CASE WHEN $6::text IS NULL THEN last_error_at ELSE now() END,
       failures = failures + CASE WHEN $6::text IS NULL THEN 0 ELSE 1 END, next_run_at = $7::timestamptz, updated_at = now()
     WHERE name = $1`,
    [name, r.startedAt, r.durationMs, r.rows, r.calls, r.error, r.nextRunAt],
  );
}

export interface JobStateRow {
  name: string;
  source: string | null;
  description: string;
  schedule: string;
  priority: number;
  deferred: string | null;
  last_run_at: number | null;
  last_success_at: number | null;
  last_duration_ms: number | null;
  last_rows: number | null;
  last_calls: number | null;
  last_error: string | null;
  last_error_at: number | null;
  runs: number;
  failures: number;
  next_run_at: number | null;
}

const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::int8 AS ${col}`;

export async function listJobStates(pool: Pool): Promise<JobStateRow[]> {
  const r = await pool.query<JobStateRow>(
    `SELECT name, source, description, schedule, priority, deferred, ${ms('last_run_at')}, ${ms('last_success_at')}, last_duration_ms, last_rows,
       last_calls::float8 AS last_calls, last_error, ${ms('last_error_at')}, runs, failures, ${ms('next_run_at')}
     FROM job_state ORDER BY priority DESC, name`,
  );
  return r.rows;
}
