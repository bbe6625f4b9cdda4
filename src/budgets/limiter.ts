// The provider-call gate shared by every Wick process on one database. Each call locks its
// provider's row (SELECT … FOR UPDATE), so acquisitions are serialised across processes,
// then checks, in the database's clock:
//   - a pause set after a 429/418 (Retry-After honoured),
//   - rate windows as a sliding-window log (the cost of calls in any window of one second or
//     one minute never exceeds the declared rate; a small guard absorbs network jitter),
//   - day/month quotas (counted in provider_usage, so restarts do not reset them).
// A call that may go is recorded in the same transaction, then made outside it; when it
// finishes its entry moves to that moment, since the provider saw it somewhere in between.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { setUpstreamQuotaRemaining } from '../ops/metrics.js';
import { withTransaction, type Pool, type PoolClient } from '../db/pool.js';
import type { ProviderCall } from '../sources/types.js';
import type { ProviderBudget, ProvidersConfig } from './config.js';
import { ProviderBusyError, QuotaExceededError, rateLimitOf } from './errors.js';

const WINDOWS = [['perSecond', 1000], ['perMinute', 60_000]] as const;
/** Extra time a call stays in its window, so arrival jitter at the provider never shows a burst above the rate. */
const guardMs = (windowMs: number) => Math.min(100, windowMs * 0.05);

export interface Period { period: 'day' | 'month'; start: string; resetsAt: Date }

/** Current quota periods (UTC); the month starts on `resetDay`. */
export function quotaPeriods(now: Date, resetDay = 1): Period[] {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  const dayStart = new Date(Date.UTC(y, m, d));
  const monthStart = d >= resetDay ? new Date(Date.UTC(y, m, resetDay)) : new Date(Date.UTC(y, m - 1, resetDay));
  const iso = (t: Date) => t.toISOString().slice(0, 10);
  return [
    { period: 'day', start: iso(dayStart), resetsAt: new Date(dayStart.getTime() + 86_400_000) },
    { period: 'month', start: iso(monthStart), resetsAt: new Date(Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + 1, resetDay)) },
  ];
}

/** `entry`: the rate-window row of an admitted call (moved to the call's end once it finishes). */
type Decision = { wait: number; reason?: string; entry?: string };

export class ProviderLimiter {
  private readonly softWarned = new Set<string>();

  constructor(private readonly pool: Pool, private readonly providers: ProvidersConfig, private readonly log: Logger) {}

  /** The gate handed to sources (FetchContext.call). */
  readonly call: ProviderCall = async (provider, cost, fn) => {
    const budget = this.providers[provider];
    const retries = budget?.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const entry = await this.acquire(provider, cost, budget);
      try {
        return await fn();
      } catch (e) {
        const limited = rateLimitOf(e);
        if (!limited) throw e;
        // Back off the whole provider (every process), for as long as it asked, or exponentially.
        const pauseMs = limited.retryAfterMs ?? Math.min(60_000, (limited.status === 418 ? 10_000 : 1000) * 2 ** attempt);
        await this.pause(provider, pauseMs, `HTTP ${limited.status}`);
        this.log.warn({ provider, status: limited.status, pauseMs, attempt }, 'provider rate-limited us; pausing it');
        if (attempt >= retries) throw e;
      } finally {
        if (entry) await this.finished(entry);
      }
    }
  };

  /** The provider saw the request at some point before now: count the call from here. */
  private async finished(entry: string): Promise<void> {
    await this.pool.query(`UPDATE provider_calls SET at = clock_timestamp() WHERE id = $1`, [entry])
      .catch((e: Error) => this.log.warn({ err: e.message }, 'could not record when a provider call finished'));
  }

  async pause(provider: string, ms: number, reason: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO provider_limits (provider, paused_until, pause_reason) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond', $3)
       ON CONFLICT (provider) DO UPDATE SET paused_until = greatest(coalesce(provider_limits.paused_until, excluded.paused_until), excluded.paused_until), pause_reason = excluded.pause_reason`,
      [provider, ms, reason],
    );
  }

  private async acquire(provider: string, cost: number, budget: ProviderBudget | undefined): Promise<string | undefined> {
    const maxWait = budget?.maxWait ?? 30_000;
    let waited = 0;
    for (;;) {
      const d = await withTransaction(this.pool, (c) => this.tryAcquire(c, provider, cost, budget));
      if (d.wait === 0) return d.entry;
      if (waited + d.wait > maxWait) throw new ProviderBusyError(provider, d.wait, d.reason ?? 'busy');
      await sleep(d.wait);
      waited += d.wait;
    }
  }

  private async tryAcquire(c: PoolClient, provider: string, cost: number, budget: ProviderBudget | undefined): Promise<Decision> {
    await c.query(`INSERT INTO provider_limits (provider) VALUES ($1) ON CONFLICT DO NOTHING`, [provider]);
    const { rows: [row] } = await c.query<{ now: Date; paused_ms: number | null; reason: string | null }>(
      `SELECT clock_timestamp() AS now, (extract(epoch FROM paused_until - clock_timestamp()) * 1000)::float8 AS paused_ms, pause_reason AS reason
       FROM provider_limits WHERE provider = $1 FOR UPDATE`,
      [provider],
    );
    if (row.paused_ms !== null && row.paused_ms > 0) return { wait: Math.ceil(row.paused_ms), reason: `paused (${row.reason ?? 'rate-limited'})` };

    const rate = budget?.rate;
    const windows = WINDOWS.flatMap(([k, ms]) => (rate?.[k] !== undefined ? [{ limit: rate[k]!, ms: ms + guardMs(ms) }] : []));
    for (const w of windows) {
      if (cost > w.limit) throw new Error(`provider "${provider}": one call costs ${cost}, more than its rate limit of ${w.limit} per window`);
      // Oldest-first running total of the window: the call may go once enough of it has aged out.
      const r = await c.query<{ age: number; after: string }>(
        `SELECT (extract(epoch FROM clock_timestamp() - at) * 1000)::float8 AS age, sum(cost) OVER (ORDER BY at DESC) AS after
         FROM provider_calls WHERE provider = $1 AND at > clock_timestamp() - $2 * interval '1 millisecond' ORDER BY at DESC`,
        [provider, w.ms],
      );
      // Walking from the newest call back: the first call at which the total would exceed the limit must age out.
      const blocking = r.rows.find((x) => Number(x.after) + cost > w.limit);
      if (blocking) return { wait: Math.max(1, Math.ceil(w.ms - blocking.age)), reason: 'at its rate limit' };
    }

    const quota = budget?.quota;
    const periods = quotaPeriods(row.now, quota?.resetDay ?? 1);
    // What is left of the tightest quota period after this call (for the Prometheus gauge).
    let remaining = Infinity;
    if (quota) {
      for (const p of periods) {
        const limit = p.period === 'day' ? quota.perDay : quota.perMonth;
        if (limit === undefined) continue;
        const used = Number((await c.query<{ used: string }>(`SELECT used FROM provider_usage WHERE provider = $1 AND period = $2 AND period_start = $3`, [provider, p.period, p.start])).rows[0]?.used ?? 0);
        remaining = Math.min(remaining, Math.max(0, limit - used - cost));
        if (used + cost <= limit) continue;
        if (quota.hard) throw new QuotaExceededError(provider, p.period, used, limit, p.resetsAt);
        const key = `${provider}:${p.period}:${p.start}`;
        if (!this.softWarned.has(key)) {
          this.softWarned.add(key);
          this.log.warn({ provider, period: p.period, used, quota: limit }, 'provider is over its soft quota');
        }
      }
    }

    let entry: string | undefined;
    if (windows.length > 0) {
      entry = (await c.query<{ id: string }>(`INSERT INTO provider_calls (provider, at, cost) VALUES ($1, clock_timestamp(), $2) RETURNING id::text`, [provider, cost])).rows[0].id;
      await c.query(`DELETE FROM provider_calls WHERE provider = $1 AND at < clock_timestamp() - interval '2 minutes'`, [provider]);
    }
    await c.query(
      `INSERT INTO provider_usage (provider, period, period_start, used) SELECT $1, p, s::date, $4 FROM unnest($2::text[], $3::text[]) AS t(p, s)
       ON CONFLICT (provider, period, period_start) DO UPDATE SET used = provider_usage.used + excluded.used`,
      [provider, periods.map((p) => p.period), periods.map((p) => p.start), cost],
    );
    if (remaining !== Infinity) setUpstreamQuotaRemaining(provider, remaining);
    return { wait: 0, entry };
  }
}

/** Quota use in the current periods, per provider (for `wick budget plan` and GET /v1/jobs). */
export async function quotaUsage(pool: Pool, providers: ProvidersConfig, now = new Date()): Promise<Map<string, { day: number; month: number }>> {
  const out = new Map<string, { day: number; month: number }>();
  const r = await pool.query<{ provider: string; period: string; period_start: string; used: string }>(
    `SELECT provider, period, to_char(period_start, 'YYYY-MM-DD') AS period_start, used::text FROM provider_usage WHERE period_start >= $1::date - 31`,
    [now.toISOString().slice(0, 10)],
  );
  for (const row of r.rows) {
    const current = quotaPeriods(now, providers[row.provider]?.quota?.resetDay ?? 1).find((p) => p.period === row.period);
    if (!current || current.start !== row.period_start) continue;
    const u = out.get(row.provider) ?? { day: 0, month: 0 };
    u[row.period as 'day' | 'month'] = Number(row.used);
    out.set(row.provider, u);
  }
  return out;
}
