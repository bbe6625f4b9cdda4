// Candle reads at any resolution: stored resolutions are read directly; any other whole
// multiple of a minute is rolled up at query time from the largest stored resolution that
// divides it. Windows cover whole buckets. Gaps stay gaps unless forward-fill is asked for.
import type { Pool } from '../db/pool.js';
import { bucketOrigin, bucketStart, rollupSource, STORED_RESOLUTIONS } from '../domain/resolution.js';

export interface CandleRow {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quote_volume: number | null;
  trades: number | null;
  vwap: number | null;
}

export interface CandleQuery {
  marketPk: number;
  /** Seconds. */
  resolution: number;
  /** Buckets starting at or after this time (ms). With no `to`: the first `limit` candles from here. */
  from?: number;
  /** Buckets starting before this time (ms). Otherwise: the latest `limit` candles before it (default now). */
  to?: number;
  limit: number;
  fill: 'none' | 'previous';
}

const COLUMNS = `(extract(epoch FROM b) * 1000)::int8 AS time, open::float8 AS open, high::float8 AS high, low::float8 AS low,
  close::float8 AS close, volume::float8 AS volume, quote_volume::float8 AS quote_volume, trades::int AS trades,
  (quote_volume / nullif(volume, 0))::float8 AS vwap`;

interface Window { from: number | null; to: number | null; limit: number; ascending: boolean }

export async function getCandles(pool: Pool, q: CandleQuery): Promise<CandleRow[]> {
  const step = q.resolution * 1000;
  const src = (STORED_RESOLUTIONS as readonly number[]).includes(q.resolution) ? q.resolution : rollupSource(q.resolution);
  const from = q.from === undefined ? null : bucketStart(q.from, q.resolution);
  // Whole buckets: a bucket is in when its start is before `to`.
  const to = q.to === undefined ? null : bucketStart(q.to - 1, q.resolution) + step;
  if (q.fill === 'none') {
    return fetchBuckets(pool, q.marketPk, q.resolution, src, { from, to, limit: q.limit, ascending: from !== null && to === null });
  }
  // Forward-fill: the window is exactly `limit` buckets, filled from the last close before it.
  const nowEnd = bucketStart(Date.now(), q.resolution) + step;
  let ws: number;
  let we: number;
  if (from !== null && to === null) {
    ws = from;
    we = Math.min(ws + q.limit * step, nowEnd);
  } else {
    we = Math.min(to ?? nowEnd, nowEnd);
    ws = Math.max(we - q.limit * step, from ?? -Infinity);
  }
  if (we <= ws) return [];
  const rows = await fetchBuckets(pool, q.marketPk, q.resolution, src, { from: ws, to: we, limit: q.limit, ascending: true });
  const before = await pool.query<{ close: number }>(
    `SELECT close::float8 AS close FROM candles WHERE market_pk = $1 AND resolution = $2 AND ts < $3 ORDER BY ts DESC LIMIT 1`,
    [q.marketPk, src, new Date(ws)],
  );
  let prev: number | null = before.rows[0]?.close ?? null;
  const out: CandleRow[] = [];
  let i = 0;
  for (let t = ws; t < we; t += step) {
    if (i < rows.length && rows[i].time === t) {
      prev = rows[i].close;
      out.push(rows[i++]);
    } else if (prev !== null) {
      out.push({ time: t, open: prev, high: prev, low: prev, close: prev, volume: 0, quote_volume: 0, trades: 0, vwap: null });
    }
  }
  return out;
}

async function fetchBuckets(pool: Pool, marketPk: number, resolution: number, src: number, w: Window): Promise<CandleRow[]> {
  if (src !== resolution) w = await boundRollup(pool, marketPk, resolution, src, w);
  const order = w.ascending ? 'ASC' : 'DESC';
  const params = [marketPk, src, w.from === null ? null : new Date(w.from), w.to === null ? null : new Date(w.to), w.limit];
  const range = `market_pk = $1 AND resolution = $2 AND ($3::timestamptz IS NULL OR ts >= $3) AND ($4::timestamptz IS NULL OR ts < $4)`;
  const sql = src === resolution
    ? `SELECT ${COLUMNS} FROM (SELECT ts AS b, * FROM candles WHERE ${range} ORDER BY ts ${order} LIMIT $5) c`
    : `SELECT ${COLUMNS} FROM (
         SELECT date_bin(make_interval(secs => $6), ts, $7::timestamptz) AS b,
                (array_agg(open ORDER BY ts))[1] AS open, max(high) AS high, min(low) AS low,
                (array_agg(close ORDER BY ts DESC))[1] AS close, sum(volume) AS volume,
                CASE WHEN count(quote_volume) = count(*) THEN sum(quote_volume) END AS quote_volume,
                CASE WHEN count(trades) = count(*) THEN sum(trades) END AS trades
         FROM candles WHERE ${range}
         GROUP BY 1 ORDER BY 1 ${order} LIMIT $5) c`;
  if (src !== resolution) params.push(resolution, new Date(bucketOrigin(resolution)));
  const r = await pool.query<CandleRow>(sql, params);
  return w.ascending ? r.rows : r.rows.reverse();
}

/**
 * A rolled-up read aggregates every source row in its range, so the range is bounded to
 * `limit` buckets: forwards from the first candle at or after `from`, or backwards from the
 * newest candle before `to` (so long gaps in the data do not eat the limit).
 */
async function boundRollup(pool: Pool, marketPk: number, resolution: number, src: number, w: Window): Promise<Window> {
  const span = w.limit * resolution * 1000;
  const r = await pool.query<{ edge: number | null }>(
    `SELECT (extract(epoch FROM ${w.ascending ? 'min' : 'max'}(ts)) * 1000)::int8 AS edge FROM candles
     WHERE market_pk = $1 AND resolution = $2 AND ($3::timestamptz IS NULL OR ts >= $3) AND ($4::timestamptz IS NULL OR ts < $4)`,
    [marketPk, src, w.from === null ? null : new Date(w.from), w.to === null ? null : new Date(w.to)],
  );
  const edge = r.rows[0].edge;
  if (edge === null) return w;
  const bucket = bucketStart(edge, resolution);
  return w.ascending
    ? { ...w, to: Math.min(w.to ?? Infinity, bucket + span) }
    : { ...w, from: Math.max(w.from ?? -Infinity, bucket + resolution * 1000 - span) };
}
