// Order-book liquidity: depth within ±band of the mid price (USD, per side), spread and the
// cost to move the price by the band, from the latest snapshot of each market; sampled into
// an hourly history whose rows older than a day are reduced to daily averages.
import type { Pool } from '../db/pool.js';
import type { BookLevel } from '../domain/types.js';
import type { AnalyticsConfig } from './config.js';
import { usdRates } from './rates.js';

export interface Liquidity {
  mid: number;
  spread_pct: number;
  /** Quote value of bids priced at or above mid × (1 − band), in USD. */
  depth_bid_usd: number | null;
  /** Quote value of asks priced at or below mid × (1 + band), in USD. */
  depth_ask_usd: number | null;
  /** USD to buy every ask below mid × (1 + band), after which the best ask is ≥ +band; null when the visible book ends first. */
  cost_up_usd: number | null;
  /** USD value of every bid above mid × (1 − band) sold into; null when the visible book ends first. */
  cost_down_usd: number | null;
}

export function bookLiquidity(bids: BookLevel[], asks: BookLevel[], band: number, quoteUsd: number | null): Liquidity | null {
  if (bids.length === 0 || asks.length === 0) return null;
  const b = bids.map(([p, a]) => [Number(p), Number(a)] as const);
  const a = asks.map(([p, q]) => [Number(p), Number(q)] as const);
  const mid = (b[0][0] + a[0][0]) / 2;
  const usd = (x: number) => (quoteUsd === null ? null : x * quoteUsd);
  const sum = (levels: ReadonlyArray<readonly [number, number]>, keep: (p: number) => boolean) => levels.filter(([p]) => keep(p)).reduce((s, [p, q]) => s + p * q, 0);
  const up = mid * (1 + band);
  const down = mid * (1 - band);
  return {
    mid,
    spread_pct: ((a[0][0] - b[0][0]) / mid) * 100,
    depth_bid_usd: usd(sum(b, (p) => p >= down)),
    depth_ask_usd: usd(sum(a, (p) => p <= up)),
    cost_up_usd: a[a.length - 1][0] >= up ? usd(sum(a, (p) => p < up)) : null,
    cost_down_usd: b[b.length - 1][0] <= down ? usd(sum(b, (p) => p > down)) : null,
  };
}

interface Snapshot { market_pk: number; quote: string; ts: Date; bids: BookLevel[]; asks: BookLevel[] }

/** Samples each market's newest snapshot (within one sampling interval) into its hour's row, then reduces old hours. */
export async function sampleLiquidity(pool: Pool, cfg: AnalyticsConfig, now = Date.now()): Promise<number> {
  const books = await pool.query<Snapshot>(
    `SELECT DISTINCT ON (o.market_pk) o.market_pk, m.quote_id AS quote, o.ts, o.bids, o.asks
     FROM orderbook_snapshots o JOIN markets m ON m.pk = o.market_pk
     WHERE o.ts <= $1 AND o.ts > $1::timestamptz - make_interval(secs => $2::float8)
     ORDER BY o.market_pk, o.ts DESC`,
    [new Date(now), cfg.liquidityEvery / 1000],
  );
  const rates = await usdRates(pool, cfg);
  const rows = books.rows.flatMap((s) => {
    const l = bookLiquidity(s.bids, s.asks, cfg.depthBand, rates.get(s.quote) ?? null);
    return l ? [{ market_pk: s.market_pk, ts: s.ts.toISOString(), ...l }] : [];
  });
  if (rows.length) {
    // A second sample in the same hour is averaged into the hour's row.
    await pool.query(
      `INSERT INTO liquidity_history AS h (market_pk, ts, bucket, samples, mid, spread_pct, depth_bid_usd, depth_ask_usd, cost_up_usd, cost_down_usd)
       SELECT market_pk, date_trunc('hour', ts), 'hour', 1, mid, spread_pct, depth_bid_usd, depth_ask_usd, cost_up_usd, cost_down_usd
       FROM jsonb_to_recordset($1) AS r(market_pk int, ts timestamptz, mid numeric, spread_pct numeric, depth_bid_usd numeric, depth_ask_usd numeric, cost_up_usd numeric, cost_down_usd numeric)
       ON CONFLICT (market_pk, bucket, ts) DO UPDATE SET
         samples = h.samples + 1,
         mid = (h.mid * h.samples + excluded.mid) / (h.samples + 1),
         spread_pct = (h.spread_pct * h.samples + excluded.spread_pct) / (h.samples + 1),
         depth_bid_usd = (h.depth_bid_usd * h.samples + excluded.depth_bid_usd) / (h.samples + 1),
         depth_ask_usd = (h.depth_ask_usd * h.samples + excluded.depth_ask_usd) / (h.samples + 1),
         cost_up_usd = (h.cost_up_usd * h.samples + excluded.cost_up_usd) / (h.samples + 1),
         cost_down_usd = (h.cost_down_usd * h.samples + excluded.cost_down_usd) / (h.samples + 1)`,
      [JSON.stringify(rows)],
    );
  }
  await reduceLiquidity(pool, now);
  return rows.length;
}

const FIGURES = ['mid', 'spread_pct', 'depth_bid_usd', 'depth_ask_usd', 'cost_up_usd', 'cost_down_usd'] as const;

/** Hourly rows older than one day become (or merge into) their day's row: the mean of the hours, weighted by samples. */
export async function reduceLiquidity(pool: Pool, now = Date.now()): Promise<number> {
  const avg = (f: string) => `sum(${f} * samples) / nullif(sum(samples) FILTER (WHERE ${f} IS NOT NULL), 0)`;
  const merge = (f: string) => `${f} = CASE WHEN h.${f} IS NULL THEN excluded.${f} WHEN excluded.${f} IS NULL THEN h.${f}
      ELSE (h.${f} * h.samples + excluded.${f} * excluded.samples) / (h.samples + excluded.samples) END`;
  const r = await pool.query(
    `WITH old AS (
       DELETE FROM liquidity_history WHERE bucket = 'hour' AND ts < $1::timestamptz - interval '1 day' RETURNING *
     )
     INSERT INTO liquidity_history AS h (market_pk, ts, bucket, samples, ${FIGURES.join(', ')})
     SELECT market_pk, date_trunc('day', ts), 'day', sum(samples), ${FIGURES.map(avg).join(', ')}
     FROM old GROUP BY market_pk, date_trunc('day', ts)
     ON CONFLICT (market_pk, bucket, ts) DO UPDATE SET ${FIGURES.map(merge).join(',\n')}, samples = h.samples + excluded.samples`,
    [new Date(now)],
  );
  return r.rowCount ?? 0;
}
