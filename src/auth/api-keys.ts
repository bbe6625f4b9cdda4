// API keys: random secrets shown once at creation; only their sha256 is stored. Each key
// has a scope (read < write < admin: a higher scope includes the lower ones), an optional
// rate limit (requests per fixed window) and an optional monthly quota (calendar month,
// UTC). Usage is counted in Postgres, so every API replica enforces the same limits.
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from '../db/pool.js';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const scopeAllows = (have: Scope, need: Scope) => SCOPES.indexOf(have) >= SCOPES.indexOf(need);

const WINDOW_UNITS: Record<string, number> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600, d: 86400, day: 86400 };

/** "30/min" → 30 per 60 s; units s|sec|second, m|min|minute, h|hour, d|day (optionally "/5min"). */
export function parseRate(text: string): { limit: number; windowSeconds: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)?\s*([a-z]+)\s*$/i.exec(text);
  const unit = m ? WINDOW_UNITS[m[3].toLowerCase().replace(/s$/, '')] ?? WINDOW_UNITS[m[3].toLowerCase()] : undefined;
  if (!m || !unit || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1)) throw new Error(`"${text}" is not a rate: use e.g. 30/min, 5/s, 1000/hour, 100/5min`);
  return { limit: Number(m[1]), windowSeconds: unit * Number(m[2] ?? 1) };
}

/** "10000/month" (or "10000") → 10000. */
export function parseQuota(text: string): number {
  const m = /^\s*(\d+)\s*(?:\/\s*month)?\s*$/i.exec(text);
  if (!m || Number(m[1]) < 1) throw new Error(`"${text}" is not a monthly quota: use e.g. 10000/month`);
  return Number(m[1]);
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest();

export interface ApiKeyInfo {
  id: number;
  name: string | null;
  prefix: string;
  scope: Scope;
  rate_limit: number | null;
  rate_window_s: number;
  monthly_quota: number | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  used_this_month: number;
}

export interface NewKey { name?: string; scope: Scope; rate?: string; quota?: string }

/** Creates a key; the returned `key` is the only time the secret is available. */
export async function createApiKey(pool: Pool, k: NewKey): Promise<{ key: string; info: ApiKeyInfo }> {
  if (!SCOPES.includes(k.scope)) throw new Error(`scope must be one of ${SCOPES.join(', ')}`);
  const rate = k.rate ? parseRate(k.rate) : null;
  const quota = k.quota ? parseQuota(k.quota) : null;
  const key = `wick_${randomBytes(24).toString('base64url')}`;
  const r = await pool.query<{ id: number }>(
    `INSERT INTO api_keys (name, prefix, hash, scope, rate_limit, rate_window_s, monthly_quota) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [k.name ?? null, key.slice(0, 12), hashKey(key), k.scope, rate?.limit ?? null, rate?.windowSeconds ?? 60, quota],
  );
  return { key, info: (await listApiKeys(pool, { id: r.rows[0].id }))[0] };
}

export async function listApiKeys(pool: Pool, opts: { id?: number; includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
  const r = await pool.query<ApiKeyInfo>(`
    SELECT k.id, k.name, k.prefix, k.scope, k.rate_limit, k.rate_window_s, k.monthly_quota,
           to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
           to_char(k.last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_used_at,
           to_char(k.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS revoked_at,
           coalesce(u.count, 0) AS used_this_month
    FROM api_keys k
    LEFT JOIN api_key_usage u ON u.key_id = k.id AND u.kind = 'month' AND u.window_start = date_trunc('month', now(), 'UTC')
    WHERE ($1::int IS NULL OR k.id = $1) AND ($2 OR k.revoked_at IS NULL)
    ORDER BY k.id`, [opts.id ?? null, opts.includeRevoked ?? opts.id !== undefined]);
  return r.rows;
}

/** Revokes a key (kept for the record); false when there is no such active key. */
export async function revokeApiKey(pool: Pool, id: number): Promise<boolean> {
  const r = await pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
  return r.rowCount === 1;
}

export interface LimitState { limit: number; remaining: number; /** unix seconds when the window ends */ reset: number }

export type KeyCheck =
  | { status: 'unknown' }
  | { status: 'ok' | 'rate' | 'quota'; id: number; scope: Scope; rate: LimitState | null; quota: LimitState | null; now: number };

/**
 * Looks a presented key up and counts the request against its limits, atomically per
 * counter. A request over the rate limit is not counted against the monthly quota.
 */
export async function checkApiKey(pool: Pool, key: string): Promise<KeyCheck> {
  const r = await pool.query<{ id: number; scope: Scope; rate_limit: number | null; rate_window_s: number; monthly_quota: number | null; rate_count: number | null; rate_start: number | null; now: number }>(`
    WITH k AS (
      SELECT id, scope, rate_limit, rate_window_s, monthly_quota FROM api_keys WHERE hash = $1 AND revoked_at IS NULL
    ), used AS (
      UPDATE api_keys SET last_used_at = now()
      WHERE id = (SELECT id FROM k) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
    ), r AS (
      INSERT INTO api_key_usage AS u (key_id, kind, window_start, count)
      SELECT id, 'rate', to_timestamp(floor(extract(epoch FROM now()) / rate_window_s) * rate_window_s), 1 FROM k WHERE rate_limit IS NOT NULL
      ON CONFLICT (key_id, kind, window_start) DO UPDATE SET count = u.count + 1
      RETURNING u.count, extract(epoch FROM u.window_start)::float8 AS start
    )
    SELECT k.*, r.count AS rate_count, r.start AS rate_start, extract(epoch FROM now())::float8 AS now FROM k LEFT JOIN r ON true`, [hashKey(key)]);
  const row = r.rows[0];
  if (!row) return { status: 'unknown' };
  const rate = row.rate_limit !== null && row.rate_count !== null
    ? { limit: row.rate_limit, remaining: Math.max(0, row.rate_limit - row.rate_count), reset: Math.ceil(row.rate_start! + row.rate_window_s) }
    : null;
  const base = { id: row.id, scope: row.scope, rate, quota: null as LimitState | null, now: row.now };
  if (rate && row.rate_count! > row.rate_limit!) return { ...base, status: 'rate' };
  if (row.monthly_quota !== null) {
    const q = await pool.query<{ count: number | null; reset: number }>(`
      WITH m AS (SELECT date_trunc('month', now(), 'UTC') AS start),
      ins AS (
        INSERT INTO api_key_usage AS u (key_id, kind, window_start, count) SELECT $1, 'month', start, 1 FROM m
        ON CONFLICT (key_id, kind, window_start) DO UPDATE SET count = u.count + 1 WHERE u.count < $2
        RETURNING u.count
      )
      SELECT (SELECT count FROM ins) AS count, extract(epoch FROM (SELECT start FROM m) + interval '1 month')::float8 AS reset`, [row.id, row.monthly_quota]);
    const counted = q.rows[0].count;
    base.quota = { limit: row.monthly_quota, remaining: counted === null ? 0 : row.monthly_quota - counted, reset: Math.ceil(q.rows[0].reset) };
    if (counted === null) return { ...base, status: 'quota' };
  }
  return { ...base, status: 'ok' };
}

/** Deletes finished rate windows and usage months older than a year. */
export async function pruneKeyUsage(pool: Pool): Promise<number> {
  const r = await pool.query(`
    DELETE FROM api_key_usage u USING api_keys k
    WHERE u.key_id = k.id AND ((u.kind = 'rate' AND u.window_start < now() - make_interval(secs => k.rate_window_s) - interval '1 minute')
       OR (u.kind = 'month' AND u.window_start < now() - interval '13 months'))`);
  return r.rowCount ?? 0;
}
