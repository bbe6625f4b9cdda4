// Prometheus metrics (prom-client), one registry per process. Modules report through the
// small functions below (jobs, upstream calls, realtime clients, rows written); gauges that
// describe shared state (pool, data freshness, last backup) are read when scraped, so every
// replica reports the same truth from the database.
import client from 'prom-client';
import type { JobDefinition, JobOutcome } from '../jobs/types.js';
import type { Pool } from '../db/pool.js';
import { DEAD_LETTER_QUEUE } from '../jobs/boss.js';
import type { ProviderCall } from '../sources/types.js';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'wick_' });

const httpDuration = new client.Histogram({
  name: 'wick_http_request_duration_seconds',
  help: 'HTTP request duration by route template, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const jobDuration = new client.Histogram({
  name: 'wick_job_duration_seconds',
  help: 'Job run duration by job and outcome (ok, partial, failed)',
  labelNames: ['job', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
  registers: [registry],
});
const jobRuns = new client.Counter({ name: 'wick_job_runs_total', help: 'Job runs by job and outcome', labelNames: ['job', 'outcome'] as const, registers: [registry] });
const jobRetries = new client.Counter({ name: 'wick_job_retries_total', help: 'Job runs that were retries of a failed run', labelNames: ['job'] as const, registers: [registry] });
const jobLastSuccess = new client.Gauge({ name: 'wick_job_last_success_timestamp_seconds', help: 'When each job last finished without failing (unix seconds)', labelNames: ['job'] as const, registers: [registry] });
const jobRows = new client.Counter({ name: 'wick_job_rows_written_total', help: 'Rows written by job runs', labelNames: ['job'] as const, registers: [registry] });
const jobLastRows = new client.Gauge({ name: 'wick_job_last_run_rows', help: 'Rows written by the last run of each job', labelNames: ['job'] as const, registers: [registry] });

const upstreamCalls = new client.Counter({ name: 'wick_upstream_calls_total', help: 'Calls to upstream providers by provider and result (ok, error)', labelNames: ['provider', 'result'] as const, registers: [registry] });
const upstreamQuota = new client.Gauge({ name: 'wick_upstream_quota_remaining', help: 'Remaining request budget per provider, as the budget code last saw it', labelNames: ['provider'] as const, registers: [registry] });
const realtimeClients = new client.Gauge({ name: 'wick_realtime_clients', help: 'Realtime (WebSocket/SSE) clients connected to this process', labelNames: ['transport'] as const, registers: [registry] });
const rateLimited = new client.Counter({ name: 'wick_api_rate_limited_total', help: 'Requests refused with 429, by reason (rate, quota)', labelNames: ['reason'] as const, registers: [registry] });
const busy = new client.Counter({ name: 'wick_api_busy_total', help: 'Requests refused with 503 because no database connection was free', registers: [registry] });

export function observeHttp(method: string, route: string, status: number, seconds: number): void {
  httpDuration.observe({ method, route, status: String(status) }, seconds);
}

const failuresInARow = new Map<string, number>();
/** Matches JobRunner's onRun callback: `new JobRunner(jobs, pool, log, recordJobRun)`. */
export function recordJobRun(job: Pick<JobDefinition, 'name'>, outcome: JobOutcome, ms: number): void {
  const result = outcome.failed ? 'failed' : outcome.errors.length ? 'partial' : 'ok';
  jobDuration.observe({ job: job.name, outcome: result }, ms / 1000);
  jobRuns.inc({ job: job.name, outcome: result });
  if ((failuresInARow.get(job.name) ?? 0) > 0) jobRetries.inc({ job: job.name });
  failuresInARow.set(job.name, outcome.failed ? (failuresInARow.get(job.name) ?? 0) + 1 : 0);
  if (!outcome.failed) jobLastSuccess.set({ job: job.name }, Date.now() / 1000);
  jobRows.inc({ job: job.name }, outcome.rows);
  jobLastRows.set({ job: job.name }, outcome.rows);
}

/** A job that threw (rather than returning an outcome). */
export function recordJobError(job: Pick<JobDefinition, 'name'>, ms: number): void {
  recordJobRun(job, { rows: 0, errors: [], failed: true }, ms);
}

export function recordUpstreamCall(provider: string, ok: boolean): void { upstreamCalls.inc({ provider, result: ok ? 'ok' : 'error' }); }
export function setUpstreamQuotaRemaining(provider: string, remaining: number): void { upstreamQuota.set({ provider }, remaining); }
export function realtimeClientConnected(transport: string, delta: 1 | -1): void { realtimeClients.inc({ transport }, delta); }
export function recordRateLimited(reason: 'rate' | 'quota'): void { rateLimited.inc({ reason }); }
export function recordBusy(): void { busy.inc(); }

/** Wraps an upstream call so calls and errors are counted per provider (for the provider-call gate). */
export async function countedCall<T>(provider: string, fn: () => Promise<T>): Promise<T> {
  try {
    const r = await fn();
    recordUpstreamCall(provider, true);
    return r;
  } catch (e) {
    recordUpstreamCall(provider, false);
    throw e;
  }
}

/** Wraps a provider-call gate so every upstream call it lets through is counted (ok/error) per provider. */
export function countingGate(inner: ProviderCall): ProviderCall {
  return (provider, cost, fn) => countedCall(provider, () => inner(provider, cost, fn));
}

// Gauges read at scrape time from this process's pool and the shared database.
let pool: Pool | null = null;
/** The pool the scrape-time gauges read (the process's one pool). */
export function attachPool(p: Pool): void { pool = p; }

new client.Gauge({
  name: 'wick_db_pool_connections', help: 'Database pool connections by state (total, idle, in_use, waiting = requests queued for one)',
  labelNames: ['state'] as const, registers: [registry],
  collect() {
    if (!pool) return;
    this.set({ state: 'total' }, pool.totalCount);
    this.set({ state: 'idle' }, pool.idleCount);
    this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
    this.set({ state: 'waiting' }, pool.waitingCount);
  },
});

new client.Gauge({
  name: 'wick_data_lag_seconds', help: 'Seconds since the newest stored trade, per active market',
  labelNames: ['market'] as const, registers: [registry],
  async collect() {
    this.reset();
    if (!pool) return;
    const r = await pool.query<{ id: string; lag: number }>(`SELECT id, extract(epoch FROM now() - last_trade_at)::float8 AS lag FROM markets WHERE active AND last_trade_at IS NOT NULL`).catch(() => null);
    for (const row of r?.rows ?? []) this.set({ market: row.id }, row.lag);
  },
});

new client.Gauge({
  name: 'wick_job_dead_letter_size', help: 'Jobs waiting in the dead-letter queue, by the job they belong to',
  labelNames: ['queue'] as const, registers: [registry],
  async collect() {
    this.reset();
    if (!pool) return;
    const r = await pool.query<{ job: string; n: number }>(
      `SELECT coalesce(data->>'job', '(unknown)') AS job, count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'created' GROUP BY 1`,
      [DEAD_LETTER_QUEUE],
    ).catch(() => null); // pg-boss not installed yet: nothing to report
    for (const row of r?.rows ?? []) this.set({ queue: row.job }, row.n);
  },
});

// The three backup gauges share one query per scrape (prom-client collects them concurrently).
let lastBackup: { at: number; value: Promise<{ t: number; bytes: number; age: number } | null> } | null = null;
function latestBackup() {
  if (!lastBackup || Date.now() - lastBackup.at > 1000) {
    const value = pool
      ? pool.query<{ t: number; bytes: number; age: number }>(`SELECT extract(epoch FROM finished_at)::float8 AS t, extract(epoch FROM now() - finished_at)::float8 AS age, bytes FROM wick_backups ORDER BY finished_at DESC LIMIT 1`)
        .then((r) => r.rows[0] ?? null, () => null)
      : Promise.resolve(null);
    lastBackup = { at: Date.now(), value };
  }
  return lastBackup.value;
}
const backupGauge = (name: string, help: string, pick: (b: { t: number; bytes: number; age: number }) => number) => new client.Gauge({
  name, help, registers: [registry],
  async collect() {
    this.reset();
    const b = await latestBackup();
    if (b) this.set(pick(b));
  },
});
backupGauge('wick_backup_last_success_timestamp_seconds', 'When the newest good backup finished (unix seconds)', (b) => b.t);
backupGauge('wick_backup_last_success_age_seconds', 'Age of the newest good backup, seconds (absent when there is none)', (b) => b.age);
backupGauge('wick_backup_last_success_bytes', 'Compressed size of the newest good backup', (b) => b.bytes);

export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
