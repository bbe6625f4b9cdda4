// Series an alert rule can watch, resolved to points. Each kind is one resolver in the
// registry below; new kinds (an asset's aggregated price, liquidity, …) are added here
// without touching the evaluator. Bucketed series (candles) are evaluated bucket by
// bucket as buckets close; point series (tickers, metrics, ranks) at each new point.
import { z } from 'zod';
import type { Pool } from '../db/pool.js';
import { parseMarketId } from '../domain/ids.js';
import { formatResolution, parseResolution, STORED_RESOLUTIONS } from '../domain/resolution.js';
import { duration } from '../config/units.js';

export interface Point { t: number; v: number }

const marketRef = z.string().refine((s) => parseMarketId(s) !== null, 'use a market id like "binance:BTC-USDT"');
const storedResolution = z.string().default('1m').transform((v, ctx) => {
  const r = parseResolution(v);
  if (r === null || !(STORED_RESOLUTIONS as readonly number[]).includes(r)) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not one of the stored resolutions ${STORED_RESOLUTIONS.map(formatResolution).join(', ')}` });
    return z.NEVER;
  }
  return r;
});

export const seriesSchema = z.discriminatedUnion('kind', [
  /** A market's candles: close price, volume, quote volume or trade count per bucket. */
  z.strictObject({ kind: z.literal('market'), market: marketRef, field: z.enum(['price', 'volume', 'quote_volume', 'trades']).default('price'), resolution: storedResolution }),
  /** A market's ticker snapshots. */
  z.strictObject({ kind: z.literal('ticker'), market: marketRef, field: z.enum(['last', 'bid', 'ask', 'base_volume', 'quote_volume', 'change_percent']).default('last') }),
  /** A metric series from the metric store (name + exact labels). */
  z.strictObject({ kind: z.literal('metric'), name: z.string().min(1), labels: z.record(z.string(), z.string()).default({}) }),
  /** A market's rank among markets (optionally with the same quote asset) by traded volume over a window. */
  z.strictObject({ kind: z.literal('market_rank'), market: marketRef, by: z.enum(['volume', 'quote_volume']).default('quote_volume'), window: duration.default(86_400_000), quote: z.string().optional() }),
]);
export type SeriesSpec = z.output<typeof seriesSchema>;
export type SeriesInput = z.input<typeof seriesSchema>;

export interface SeriesResolver<S extends SeriesSpec = SeriesSpec> {
  /** Bucket length in ms for bucketed series; null for point series. */
  step(spec: S): number | null;
  /** Bus channels whose events can change the series (evaluation is triggered by them). "*trades" = any market's trades. */
  channels(spec: S): string[];
  /** Points with from < t <= to, oldest first. Bucketed series give every bucket (gaps filled). */
  points(pool: Pool, spec: S, from: number, to: number): Promise<Point[]>;
  /** Time of the newest data (for stale rules), or null when there is none. */
  lastUpdate(pool: Pool, spec: S): Promise<number | null>;
}

const marketPk = async (pool: Pool, id: string): Promise<number | null> =>
  (await pool.query<{ pk: number }>(`SELECT pk FROM markets WHERE id = $1`, [id])).rows[0]?.pk ?? null;

const market: SeriesResolver<Extract<SeriesSpec, { kind: 'market' }>> = {
  step: (s) => s.resolution * 1000,
  channels: (s) => [`candles:${s.market}:${formatResolution(s.resolution)}`],
  async points(pool, s, from, to) {
    const pk = await marketPk(pool, s.market);
    if (pk === null) return [];
    const step = s.resolution * 1000;
    const col = s.field === 'price' ? 'close' : s.field;
    // Start one bucket early: the previous close fills price gaps.
    const r = await pool.query<{ t: number; v: string | null }>(
      `SELECT (extract(epoch FROM ts) * 1000)::int8 AS t, ${col}::text AS v FROM candles
       WHERE market_pk = $1 AND resolution = $2 AND ts > to_timestamp($3 / 1000.0) AND ts <= to_timestamp($4 / 1000.0) ORDER BY ts`,
      [pk, s.resolution, from - step, to],
    );
    const out: Point[] = [];
    let prev: number | null = null;
    let i = 0;
    const rows = r.rows;
    const first = Math.floor(from / step) * step + step;
    while (i < rows.length && rows[i].t < first) {
      const v = rows[i++].v;
      if (v !== null) prev = Number(v);
    }
    for (let t = first; t <= to; t += step) {
      if (i < rows.length && rows[i].t === t) {
        const v = rows[i++].v;
        prev = v === null ? prev : Number(v);
        if (v !== null) out.push({ t, v: Number(v) });
      } else if (s.field === 'price') {
        if (prev !== null) out.push({ t, v: prev });
      } else {
        out.push({ t, v: 0 }); // no trades in the bucket: nothing traded
      }
    }
    return out;
  },
  async lastUpdate(pool, s) {
    const r = await pool.query<{ t: number | null }>(
      `SELECT (extract(epoch FROM greatest(m.last_trade_at, (SELECT max(updated_at) FROM candles c WHERE c.market_pk = m.pk AND c.resolution = 60))) * 1000)::int8 AS t FROM markets m WHERE id = $1`, [s.market]);
    return r.rows[0]?.t ?? null;
  },
};

const ticker: SeriesResolver<Extract<SeriesSpec, { kind: 'ticker' }>> = {
  step: () => null,
  channels: () => ['tickers'],
  async points(pool, s, from, to) {
    const r = await pool.query<{ t: number; v: string }>(
      `SELECT (extract(epoch FROM ts) * 1000)::int8 AS t, ${s.field}::text AS v FROM ticker_snapshots
       WHERE market_pk = (SELECT pk FROM markets WHERE id = $1) AND ts > to_timestamp($2 / 1000.0) AND ts <= to_timestamp($3 / 1000.0) AND ${s.field} IS NOT NULL ORDER BY ts`,
      [s.market, from, to],
    );
    return r.rows.map((x) => ({ t: x.t, v: Number(x.v) }));
  },
  async lastUpdate(pool, s) {
    const r = await pool.query<{ t: number | null }>(`SELECT (extract(epoch FROM max(ts)) * 1000)::int8 AS t FROM ticker_snapshots WHERE market_pk = (SELECT pk FROM markets WHERE id = $1)`, [s.market]);
    return r.rows[0]?.t ?? null;
  },
};

const metric: SeriesResolver<Extract<SeriesSpec, { kind: 'metric' }>> = {
  step: () => null,
  channels: (s) => [`metrics:${s.name}`],
  async points(pool, s, from, to) {
    const r = await pool.query<{ t: number; v: string }>(
      `SELECT (extract(epoch FROM p.ts) * 1000)::int8 AS t, p.value::text AS v FROM metric_points p JOIN metric_series m ON m.id = p.series_id
       WHERE m.name = $1 AND m.labels = $2::jsonb AND p.ts > to_timestamp($3 / 1000.0) AND p.ts <= to_timestamp($4 / 1000.0) ORDER BY p.ts`,
      [s.name, JSON.stringify(s.labels), from, to],
    );
    return r.rows.map((x) => ({ t: x.t, v: Number(x.v) }));
  },
  async lastUpdate(pool, s) {
    const r = await pool.query<{ t: number | null }>(
      `SELECT (extract(epoch FROM max(p.ts)) * 1000)::int8 AS t FROM metric_points p JOIN metric_series m ON m.id = p.series_id WHERE m.name = $1 AND m.labels = $2::jsonb`,
      [s.name, JSON.stringify(s.labels)]);
    return r.rows[0]?.t ?? null;
  },
};

/** Rank 1 = most traded. Markets with no volume in the window are not ranked. */
const marketRank: SeriesResolver<Extract<SeriesSpec, { kind: 'market_rank' }>> = {
  step: () => null,
  channels: () => ['*trades'],
  async points(pool, s, _from, to) {
    const col = s.by === 'volume' ? 'c.volume' : 'coalesce(c.quote_volume, 0)';
    const r = await pool.query<{ rank: number | null }>(
      `WITH v AS (
         SELECT m.id, sum(${col}) AS vol FROM candles c JOIN markets m ON m.pk = c.market_pk
         WHERE c.resolution = 60 AND c.ts > to_timestamp($2 / 1000.0) AND c.ts <= to_timestamp($3 / 1000.0)
           AND ($4::text IS NULL OR m.quote_id = upper($4))
         GROUP BY m.id HAVING sum(${col}) > 0
       )
       SELECT rank FROM (SELECT id, rank() OVER (ORDER BY vol DESC)::int AS rank FROM v) x WHERE id = $1`,
      [s.market, to - s.window, to, s.quote ?? null],
    );
    const rank = r.rows[0]?.rank;
    return rank === undefined || rank === null ? [] : [{ t: to, v: rank }];
  },
  lastUpdate: (pool, s) => market.lastUpdate(pool, { kind: 'market', market: s.market, field: 'volume', resolution: 60 }),
};

const RESOLVERS: { [K in SeriesSpec['kind']]: SeriesResolver<Extract<SeriesSpec, { kind: K }>> } = {
  market,
  ticker,
  metric,
  market_rank: marketRank,
};

export function resolverFor<S extends SeriesSpec>(spec: S): SeriesResolver<S> {
  return RESOLVERS[spec.kind] as unknown as SeriesResolver<S>;
}

/** Stable identity of a series, so rules over the same series share one fetch. */
export function seriesKey(spec: SeriesSpec): string {
  return stableJson(spec);
}

/** JSON with object keys sorted (jsonb reorders keys, so stored and configured values compare alike). */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
