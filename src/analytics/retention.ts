// Retention and downsampling, per data kind as `analytics.retention` declares: raw trades
// dropped after N days (their candles stay); ticker snapshots and metric points older than
// `coalesceAfter` coalesced to one row per bucket (tickers: OHLC of the last price; metrics:
// the average), then dropped after `dropAfter`; order-book snapshots dropped (their figures
// live on in the liquidity history, whose old hours become daily averages). Every step is
// its own short transaction, so ingestion is never blocked for long.
import type { Pool } from '../db/pool.js';
import type { AnalyticsConfig } from './config.js';
import { reduceLiquidity } from './liquidity.js';

export interface RetentionStep { kind: string; action: string; before: string; rows: number }

interface Step { kind: string; action: string; before: (now: number) => number; count: string; run: string; params?: (now: number) => unknown[] }

const sec = (ms: number) => ms / 1000;

function steps(cfg: AnalyticsConfig['retention']): Step[] {
  const t = cfg.tickers;
  const m = cfg.metrics;
  const tBucket = `date_bin(make_interval(secs => ${sec(t.bucket)}), ts, 'epoch')`;
  const mBucket = `date_bin(make_interval(secs => ${sec(m.bucket)}), ts, 'epoch')`;
  return [
    { kind: 'trades', action: 'delete raw trades', before: (now) => now - cfg.trades, count: `SELECT count(*) FROM trades WHERE ts < $1`, run: `DELETE FROM trades WHERE ts < $1` },
    { kind: 'tickers', action: 'delete snapshots', before: (now) => now - t.dropAfter, count: `SELECT count(*) FROM ticker_snapshots WHERE ts < $1`, run: `DELETE FROM ticker_snapshots WHERE ts < $1` },
    {
      kind: 'tickers', action: `coalesce snapshots to ${sec(t.bucket)} s OHLC buckets`, before: (now) => now - t.coalesceAfter,
      // rows that would be replaced: every row of a bucket holding more than one row, or one row off the bucket start
      count: `SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n, min(ts) AS t0, ${tBucket} AS b FROM ticker_snapshots WHERE ts < $1 GROUP BY market_pk, ${tBucket}) x WHERE n > 1 OR t0 <> b`,
      run: `WITH old AS (
              DELETE FROM ticker_snapshots s USING (
                SELECT market_pk, ${tBucket} AS b FROM ticker_snapshots WHERE ts < $1 GROUP BY 1, 2 HAVING count(*) > 1 OR min(ts) <> ${tBucket}
              ) k WHERE s.market_pk = k.market_pk AND date_bin(make_interval(secs => ${sec(t.bucket)}), s.ts, 'epoch') = k.b AND s.ts < $1
              RETURNING s.*
            )
            INSERT INTO ticker_snapshots (market_pk, ts, last, bid, ask, high, low, open, base_volume, quote_volume, vwap, change_percent)
            SELECT market_pk, ${tBucket}, (array_agg(last ORDER BY ts DESC))[1], (array_agg(bid ORDER BY ts DESC))[1], (array_agg(ask ORDER BY ts DESC))[1],
                   max(last), min(last), (array_agg(last ORDER BY ts))[1], (array_agg(base_volume ORDER BY ts DESC))[1],
                   (array_agg(quote_volume ORDER BY ts DESC))[1], (array_agg(vwap ORDER BY ts DESC))[1], (array_agg(change_percent ORDER BY ts DESC))[1]
            FROM old GROUP BY market_pk, ${tBucket}`,
    },
    { kind: 'metrics', action: 'delete points', before: (now) => now - m.dropAfter, count: `SELECT count(*) FROM metric_points WHERE ts < $1`, run: `DELETE FROM metric_points WHERE ts < $1` },
    {
      kind: 'metrics', action: `coalesce points to ${sec(m.bucket)} s averages`, before: (now) => now - m.coalesceAfter,
      count: `SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n, min(ts) AS t0, ${mBucket} AS b FROM metric_points WHERE ts < $1 GROUP BY series_id, ${mBucket}) x WHERE n > 1 OR t0 <> b`,
      run: `WITH old AS (
              DELETE FROM metric_points p USING (
                SELECT series_id, ${mBucket} AS b FROM metric_points WHERE ts < $1 GROUP BY 1, 2 HAVING count(*) > 1 OR min(ts) <> ${mBucket}
              ) k WHERE p.series_id = k.series_id AND date_bin(make_interval(secs => ${sec(m.bucket)}), p.ts, 'epoch') = k.b AND p.ts < $1
              RETURNING p.*
            )
            INSERT INTO metric_points (series_id, ts, value) SELECT series_id, ${mBucket}, avg(value) FROM old GROUP BY series_id, ${mBucket}`,
    },
    { kind: 'orderbooks', action: 'delete snapshots', before: (now) => now - cfg.orderbooks, count: `SELECT count(*) FROM orderbook_snapshots WHERE ts < $1`, run: `DELETE FROM orderbook_snapshots WHERE ts < $1` },
    { kind: 'liquidity', action: 'delete history rows', before: (now) => now - cfg.liquidity, count: `SELECT count(*) FROM liquidity_history WHERE ts < $1`, run: `DELETE FROM liquidity_history WHERE ts < $1` },
  ];
}

/** What a run at `now` would remove or replace, without changing anything. */
export async function planRetention(pool: Pool, cfg: AnalyticsConfig, now = Date.now()): Promise<RetentionStep[]> {
  const out: RetentionStep[] = [];
  for (const s of steps(cfg.retention)) {
    const before = s.before(now);
    const r = await pool.query<{ count: string; coalesce: string }>(s.count, [new Date(before)]);
    out.push({ kind: s.kind, action: s.action, before: new Date(before).toISOString(), rows: Number(Object.values(r.rows[0])[0]) });
  }
  const liq = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM liquidity_history WHERE bucket = 'hour' AND ts < $1::timestamptz - interval '1 day'`, [new Date(now)]);
  out.push({ kind: 'liquidity', action: 'reduce hourly rows to daily averages', before: new Date(now - 86_400_000).toISOString(), rows: Number(liq.rows[0].n) });
  return out;
}

/** Applies every step; returns the rows each affected (deleted, or inserted by a coalesce). */
export async function runRetention(pool: Pool, cfg: AnalyticsConfig, now = Date.now()): Promise<RetentionStep[]> {
  const out: RetentionStep[] = [];
  for (const s of steps(cfg.retention)) {
    const before = s.before(now);
    const r = await pool.query(s.run, [new Date(before)]);
    out.push({ kind: s.kind, action: s.action, before: new Date(before).toISOString(), rows: r.rowCount ?? 0 });
  }
  out.push({ kind: 'liquidity', action: 'reduce hourly rows to daily averages', before: new Date(now - 86_400_000).toISOString(), rows: await reduceLiquidity(pool, now) });
  return out;
}

export function formatPlan(plan: RetentionStep[]): string {
  const w = Math.max(...plan.map((p) => `${p.kind}: ${p.action}`.length));
  return plan.map((p) => `${`${p.kind}: ${p.action}`.padEnd(w)}  older than ${p.before}  ${p.rows} row(s)`).join('\n');
}
