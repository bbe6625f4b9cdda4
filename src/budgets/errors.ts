// Errors the provider gate understands or raises.

/** An upstream answer that asks us to slow down (HTTP 429 or 418), with its Retry-After if any. */
export class RateLimitedError extends Error {
  constructor(message: string, readonly status: number, readonly retryAfterMs: number | null) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

/** A hard quota would be exceeded: the call is not made. */
export class QuotaExceededError extends Error {
  constructor(readonly provider: string, readonly period: 'day' | 'month', readonly used: number, readonly quota: number, readonly resetsAt: Date) {
    super(`provider "${provider}": ${period}ly quota exhausted (${used} of ${quota} used; resets ${resetsAt.toISOString()})`);
    this.name = 'QuotaExceededError';
  }
}

/** The limiter would have to wait longer than the provider's maxWait (e.g. a long Retry-After pause). */
export class ProviderBusyError extends Error {
  constructor(readonly provider: string, readonly waitMs: number, reason: string) {
    super(`provider "${provider}" is ${reason} for another ${Math.ceil(waitMs / 1000)} s; the job retries later`);
    this.name = 'ProviderBusyError';
  }
}

/** Parses a Retry-After header value (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/** Reads a rate-limit signal from any error: ours, or ccxt's RateLimitExceeded / DDoSProtection. */
export function rateLimitOf(e: unknown): { status: number; retryAfterMs: number | null } | null {
  if (e instanceof RateLimitedError) return { status: e.status, retryAfterMs: e.retryAfterMs };
  const err = e as { name?: string; status?: number; retryAfterMs?: number | null };
  if (err && (err.status === 429 || err.status === 418)) return { status: err.status, retryAfterMs: err.retryAfterMs ?? null };
  if (err?.name === 'RateLimitExceeded') return { status: 429, retryAfterMs: err.retryAfterMs ?? null };
  if (err?.name === 'DDoSProtection') return { status: 418, retryAfterMs: err.retryAfterMs ?? null };
  return null;
}
