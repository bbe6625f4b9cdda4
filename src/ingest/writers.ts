// Idempotent, atomic writes: each batch is stored together with the cursor that follows it.
// Trades merge into candles in the same statement: only trades that were actually new
// (ON CONFLICT DO NOTHING … RETURNING) are added, so re-ingesting changes nothing and a
// late trade lands in its candle exactly.
import { STORED_RESOLUTIONS } from '../domain/resolution.js';
import type { Candle, MetricPoint, OrderBook, TickerSnapshot, Trade } from '../domain/types.js';
import type { Pool } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import type { Cursor } from '../sources/types.js';
import { saveCursor } from './cursors.js';

const ROLLUPS = STORED_RESOLUTIONS.filter((r) => r !== 60);

/**
 * Ordering key of a trade inside its candle: time, then trade id — ids compared by length
 * first, so numeric ids order numerically ("99" before "100"). Open is the smallest key,
 * close the largest.
 */
const TRADE_KEY = `lpad((extract(epoch FROM ts) * 1000)::int8::text, 15, '0') || lpad(length(trade_id)::text, 4, '0') || trade_id`;

const INSERT_TRADES = `
WITH input AS (
  SELECT * FROM unnest($2::int8[], $3::text[], $4::numeric[], $5::numeric[], $6::text[]) AS i(ms, trade_id, price, amount, side)
), ins AS (
  INSERT INTO trades (market_pk, ts, trade_id, price, amount, side)
  SELECT $1, to_timestamp(ms / 1000.0), trade_id, price, amount, side FROM input
  ON CONFLICT DO NOTHING
  RETURNING ts, trade_id, price, amount
), minute AS (
  SELECT date_bin('1 minute', ts, 'epoch') AS bucket,
         (array_agg(price ORDER BY k))[1] AS open, max(price) AS high, min(price) AS low,
         (array_agg(price ORDER BY k DESC))[1] AS close,
         sum(amount) AS volume, sum(price * amount) AS quote_volume, count(*)::int AS trades,
         min(k) AS open_key, max(k) AS close_key
  FROM (SELECT ts, price, amount, ${TRADE_KEY} AS k FROM ins) t
  GROUP BY 1
), rolled AS (
  SELECT 60 AS resolution, bucket, open, high, low, close, volume, quote_volume, trades, open_key, close_key FROM minute
  UNION ALL
  SELECT r, date_bin(make_interval(secs => r), bucket, 'epoch'),
         (array_agg(open ORDER BY open_key))[1], max(high), min(low), (array_agg(close ORDER BY close_key DESC))[1],
         sum(volume), sum(quote_volume), sum(trades)::int, min(open_key), max(close_key)
  FROM minute CROSS JOIN unnest($7::int[]) AS r
  GROUP BY r, 2
), up AS (
  INSERT INTO candles AS c (market_pk, resolution, ts, open, high, low, close, volume, quote_volume, trades, open_key, close_key)
  SELECT $1, resolution, bucket, open, high, low, close, volume, quote_volume, trades, open_key, close_key FROM rolled
  ON CONFLICT (market_pk, resolution, ts) DO UPDATE SET
    open = CASE WHEN excluded.open_key < c.open_key THEN excluded.open ELSE c.open END,
    open_key = least(c.open_key, excluded.open_key),
    high = greatest(c.high, excluded.high),
    low = least(c.low, excluded.low),
    close = CASE WHEN excluded.close_key > c.close_key THEN excluded.close ELSE c.close END,
    close_key = greatest(c.close_key, excluded.close_key),
    volume = c.volume + excluded.volume,
    quote_volume = c.quote_volume + excluded.quote_volume,
    trades = c.trades + excluded.trades,
    updated_at = now()
  RETURNING 1
), span AS (
  SELECT min(ts) AS lo, max(ts) AS hi FROM ins
), mk AS (
  UPDATE markets SET first_trade_at = least(first_trade_at, span.lo), last_trade_at = greatest(last_trade_at, span.hi), candle_source = 'trades'
  FROM span WHERE pk = $1 AND span.hi IS NOT NULL
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT count(*) FROM up) AS candles`;

export interface WriteResult { inserted: number }

export async function writeTrades(pool: Pool, marketPk: number, trades: Trade[], sourceId: string, stream: string, cursor: Cursor): Promise<WriteResult> {
  return withTransaction(pool, async (client) => {
    let inserted = 0;
    if (trades.length > 0) {
      const r = await client.query<{ inserted: number }>(INSERT_TRADES, [
        marketPk,
        trades.map((t) => t.ts),
        trades.map((t) => t.id),
        trades.map((t) => t.price),
        trades.map((t) => t.amount),
        trades.map((t) => t.side),
        ROLLUPS,
      ]);
      inserted = r.rows[0].inserted;
    }
    await saveCursor(client, sourceId, stream, cursor);
    return { inserted };
  });
}

const UPSERT_CANDLES = `
WITH input AS (
  SELECT * FROM unnest($3::int8[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::int[])
    AS i(ms, open, high, low, close, volume, quote_volume, trades)
), up AS (
  INSERT INTO candles AS c (market_pk, resolution, ts, open, high, low, close, volume, quote_volume, trades)
  SELECT $1, $2, to_timestamp(ms / 1000.0), open, high, low, close, volume, quote_volume, trades FROM input
  ON CONFLICT (market_pk, resolution, ts) DO UPDATE SET
    open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
    volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades, updated_at = now()
    WHERE (c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trades)
          IS DISTINCT FROM (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume, excluded.quote_volume, excluded.trades)
  RETURNING ts
), mk AS (
  UPDATE markets SET candle_source = 'exchange' WHERE pk = $1 AND candle_source IS DISTINCT FROM 'exchange' RETURNING 1
)
SELECT count(*) AS changed, min(ts) AS lo, max(ts) AS hi FROM up`;

/**
 * Re-derives the larger stored resolutions from the venue's own candles over the buckets a
 * write touched. Unknown parts (quote volume, trade count) stay unknown rather than partial.
 */
const ROLL_UP_CANDLES = `
INSERT INTO candles AS c (market_pk, resolution, ts, open, high, low, close, volume, quote_volume, trades)
SELECT $1, r, date_bin(make_interval(secs => r), ts, 'epoch') AS bucket,
       (array_agg(open ORDER BY ts))[1], max(high), min(low), (array_agg(close ORDER BY ts DESC))[1], sum(volume),
       CASE WHEN count(quote_volume) = count(*) THEN sum(quote_volume) END,
       CASE WHEN count(trades) = count(*) THEN sum(trades)::int END
FROM candles CROSS JOIN unnest($3::int[]) AS r
WHERE market_pk = $1 AND resolution = $2
  AND ts >= date_bin(make_interval(secs => $6), $4::timestamptz, 'epoch')
  AND ts < date_bin(make_interval(secs => $6), $5::timestamptz, 'epoch') + make_interval(secs => $6)
  AND ts >= date_bin(make_interval(secs => r), $4::timestamptz, 'epoch')
  AND ts < date_bin(make_interval(secs => r), $5::timestamptz, 'epoch') + make_interval(secs => r)
GROUP BY r, 3
ON CONFLICT (market_pk, resolution, ts) DO UPDATE SET
  open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
  volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades, updated_at = now()`;

export async function writeCandles(pool: Pool, marketPk: number, resolution: number, candles: Candle[], sourceId: string, stream: string, cursor: Cursor): Promise<WriteResult> {
  return withTransaction(pool, async (client) => {
    let inserted = 0;
    if (candles.length > 0) {
      const r = await client.query<{ changed: number; lo: Date | null; hi: Date | null }>(UPSERT_CANDLES, [
        marketPk,
        resolution,
        candles.map((c) => c.ts),
        candles.map((c) => c.open),
        candles.map((c) => c.high),
        candles.map((c) => c.low),
        candles.map((c) => c.close),
        candles.map((c) => c.volume),
        candles.map((c) => c.quoteVolume ?? null),
        candles.map((c) => c.trades ?? null),
      ]);
      const { changed, lo, hi } = r.rows[0];
      inserted = changed;
      const larger = STORED_RESOLUTIONS.filter((x) => x > resolution && x % resolution === 0);
      if (changed > 0 && larger.length > 0) {
        await client.query(ROLL_UP_CANDLES, [marketPk, resolution, larger, lo, hi, Math.max(...larger)]);
      }
    }
    await saveCursor(client, sourceId, stream, cursor);
    return { inserted };
  });
}

export async function writeTickers(pool: Pool, rows: Array<{ marketPk: number; ticker: TickerSnapshot }>): Promise<WriteResult> {
  if (rows.length === 0) return { inserted: 0 };
  const col = <K extends keyof TickerSnapshot>(k: K) => rows.map((r) => r.ticker[k]);
  const r = await pool.query(
    `INSERT INTO ticker_snapshots (market_pk, ts, last, bid, ask, high, low, open, base_volume, quote_volume, vwap, change_percent)
     SELECT pk, to_timestamp(ms / 1000.0), last, bid, ask, high, low, open, bv, qv, vwap, chg
     FROM unnest($1::int[], $2::int8[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[])
       AS t(pk, ms, last, bid, ask, high, low, open, bv, qv, vwap, chg)
     ON CONFLICT DO NOTHING`,
    [rows.map((r) => r.marketPk), col('ts'), col('last'), col('bid'), col('ask'), col('high'), col('low'), col('open'), col('baseVolume'), col('quoteVolume'), col('vwap'), col('changePercent')],
  );
  return { inserted: r.rowCount ?? 0 };
}

export async function writeOrderBooks(pool: Pool, rows: Array<{ marketPk: number; book: OrderBook }>): Promise<WriteResult> {
  if (rows.length === 0) return { inserted: 0 };
  const r = await pool.query(
    `INSERT INTO orderbook_snapshots (market_pk, ts, bids, asks)
     SELECT pk, to_timestamp(ms / 1000.0), bids, asks FROM unnest($1::int[], $2::int8[], $3::jsonb[], $4::jsonb[]) AS t(pk, ms, bids, asks)
     ON CONFLICT DO NOTHING`,
    [rows.map((r) => r.marketPk), rows.map((r) => r.book.ts), rows.map((r) => JSON.stringify(r.book.bids)), rows.map((r) => JSON.stringify(r.book.asks))],
  );
  return { inserted: r.rowCount ?? 0 };
}

/**
 * Metric points, with their series created on first sight (labels are jsonb, so key order
 * does not matter). A point observed again at the same time replaces the stored value
 * (providers revise), which keeps re-runs idempotent.
 */
export async function writeMetrics(pool: Pool, points: MetricPoint[], sourceId: string, stream: string, cursor: Cursor): Promise<WriteResult> {
  return withTransaction(pool, async (client) => {
    let inserted = 0;
    if (points.length > 0) {
      const r = await client.query<{ n: number }>(
        `WITH input AS (
           SELECT * FROM unnest($1::text[], $2::jsonb[], $3::int8[], $4::numeric[]) AS i(name, labels, ms, value)
         ), series AS (
           INSERT INTO metric_series (name, labels) SELECT DISTINCT name, labels FROM input
           ON CONFLICT (name, labels) DO UPDATE SET name = excluded.name
           RETURNING id, name, labels
         ), up AS (
           INSERT INTO metric_points (series_id, ts, value)
           SELECT DISTINCT ON (s.id, i.ms) s.id, to_timestamp(i.ms / 1000.0), i.value
           FROM input i JOIN series s USING (name, labels)
           ORDER BY s.id, i.ms
           ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value WHERE metric_points.value IS DISTINCT FROM excluded.value
           RETURNING 1
         )
         SELECT count(*)::int AS n FROM up`,
        [points.map((p) => p.name), points.map((p) => JSON.stringify(p.labels)), points.map((p) => p.ts), points.map((p) => p.value)],
      );
      inserted = r.rows[0].n;
    }
    await saveCursor(client, sourceId, stream, cursor);
    return { inserted };
  });
}

