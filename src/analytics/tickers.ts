// 24-hour tickers. A venue's own ticker snapshot is used when one exists; otherwise the
// ticker is computed from stored candles over the rolling 24 h window (the last 1,440
// minutes, including the forming one): whole hours from 1h candles, the edges from 1m
// candles, which gives exactly the 1m-candle result at a fraction of the rows.
import type { Pool } from '../db/pool.js';

export interface TickerRow {
  market: string;
  venue: string;
  symbol: string;
  base: string;
  quote: string;
  source: 'exchange' | 'trades' | 'candles' | 'none';
  time: number | null;
  last: number | null;
  bid: number | null;
  ask: number | null;
  open: number | null;
  high: number | null;
  low: number | null;
  change: number | null;
  change_percent: number | null;
  base_volume: number | null;
  quote_volume: number | null;
  vwap: number | null;
  trades: number | null;
}

export interface TickerFilter {
  marketIds?: string[];
  venue?: string;
  quote?: string;
  base?: string;
  limit: number;
  offset: number;
}

const TICKERS_SQL = `
WITH m AS (
  SELECT pk, id, venue_id, symbol, base_id, quote_id, candle_source, last_trade_at FROM markets
  WHERE ($1::text[] IS NULL OR id = ANY($1)) AND ($2::text IS NULL OR venue_id = $2)
    AND ($3::text IS NULL OR quote_id = $3) AND ($4::text IS NULL OR base_id = $4)
  ORDER BY id LIMIT $5 OFFSET $6
), w AS (
  SELECT date_bin('1 minute', now(), 'epoch') - interval '1439 minutes' AS m0,
         date_bin('1 minute', now(), 'epoch') AS m1,
         date_bin('1 hour', date_bin('1 minute', now(), 'epoch') - interval '1380 minutes', 'epoch') AS h0,
         date_bin('1 hour', date_bin('1 minute', now(), 'epoch') + interval '1 minute', 'epoch') AS h1
), parts AS (
  SELECT c.market_pk, c.ts, c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trades
  FROM candles c, w WHERE c.market_pk IN (SELECT pk FROM m) AND c.resolution = 60
    AND c.ts >= w.m0 AND c.ts <= w.m1 AND (c.ts < w.h0 OR c.ts >= w.h1)
  UNION ALL
  SELECT c.market_pk, c.ts, c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trades
  FROM candles c, w WHERE c.market_pk IN (SELECT pk FROM m) AND c.resolution = 3600 AND c.ts >= w.h0 AND c.ts < w.h1
), day AS (
  SELECT market_pk, (array_agg(open ORDER BY ts))[1] AS open, max(high) AS high, min(low) AS low,
         sum(volume) AS volume,
         CASE WHEN count(quote_volume) = count(*) THEN sum(quote_volume) END AS quote_volume,
         CASE WHEN count(trades) = count(*) THEN sum(trades) END AS trades
  FROM parts GROUP BY market_pk
)
SELECT m.id AS market, m.venue_id AS venue, m.symbol, m.base_id AS base, m.quote_id AS quote,
  CASE WHEN s.ts IS NOT NULL THEN 'exchange' WHEN l.ts IS NULL THEN 'none'
       WHEN m.candle_source = 'exchange' THEN 'candles' ELSE 'trades' END AS source,
  (extract(epoch FROM coalesce(s.ts, m.last_trade_at, l.ts)) * 1000)::int8 AS time,
  coalesce(s.last, l.close)::float8 AS last,
  s.bid::float8 AS bid,
  s.ask::float8 AS ask,
  (CASE WHEN s.ts IS NOT NULL THEN s.open ELSE d.open END)::float8 AS open,
  (CASE WHEN s.ts IS NOT NULL THEN s.high ELSE d.high END)::float8 AS high,
  (CASE WHEN s.ts IS NOT NULL THEN s.low ELSE d.low END)::float8 AS low,
  (CASE WHEN s.ts IS NOT NULL THEN s.last - s.open ELSE l.close - d.open END)::float8 AS change,
  (CASE WHEN s.ts IS NOT NULL THEN coalesce(s.change_percent, (s.last - s.open) / nullif(s.open, 0) * 100)
        ELSE (l.close - d.open) / nullif(d.open, 0) * 100 END)::float8 AS change_percent,
  -- with candles but none in the window, the 24 h volume is a true zero
  (CASE WHEN s.ts IS NOT NULL THEN s.base_volume WHEN d.market_pk IS NOT NULL THEN d.volume WHEN l.ts IS NOT NULL THEN 0 END)::float8 AS base_volume,
  (CASE WHEN s.ts IS NOT NULL THEN s.quote_volume WHEN d.market_pk IS NOT NULL THEN d.quote_volume WHEN l.ts IS NOT NULL THEN 0 END)::float8 AS quote_volume,
  (CASE WHEN s.ts IS NOT NULL THEN s.vwap ELSE d.quote_volume / nullif(d.volume, 0) END)::float8 AS vwap,
  (CASE WHEN s.ts IS NOT NULL THEN NULL WHEN d.market_pk IS NOT NULL THEN d.trades WHEN l.ts IS NOT NULL THEN 0 END)::int8 AS trades
FROM m
LEFT JOIN day d ON d.market_pk = m.pk
LEFT JOIN LATERAL (SELECT * FROM ticker_snapshots t WHERE t.market_pk = m.pk ORDER BY t.ts DESC LIMIT 1) s ON true
LEFT JOIN LATERAL (SELECT ts, close FROM candles c WHERE c.market_pk = m.pk AND c.resolution = 60 ORDER BY c.ts DESC LIMIT 1) l ON true
ORDER BY m.id`;

export async function getTickers(pool: Pool, f: TickerFilter): Promise<TickerRow[]> {
  const r = await pool.query<TickerRow>(TICKERS_SQL, [f.marketIds ?? null, f.venue ?? null, f.quote ?? null, f.base ?? null, f.limit, f.offset]);
  return r.rows;
}
