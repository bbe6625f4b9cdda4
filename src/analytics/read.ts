// Reads of the stored analytics results, converted to any currency Wick can price. Shared
// by the native /v1 routes and the compatibility APIs so the numbers always agree.
import type { Pool } from '../db/pool.js';
import type { AnalyticsConfig } from './config.js';
import { fiatRates, usdRates } from './rates.js';

/** When the last analytics run finished (epoch ms), or null before the first. */
export async function lastComputed(pool: Pool): Promise<number | null> {
  const r = await pool.query<{ t: number | null }>(
    `SELECT (extract(epoch FROM greatest((SELECT max(computed_at) FROM market_stats), (SELECT max(computed_at) FROM asset_prices))) * 1000)::int8 AS t`,
  );
  return r.rows[0].t;
}

export interface Converter {
  /** Lower-case codes of every currency Wick can price, usd first. */
  supported: string[];
  /** USD per unit of `vs`, or undefined when Wick cannot price it. */
  usdPer(vs: string): number | undefined;
  convert(usd: number | null, vs: string): number | null;
  /** Codes (upper-case) whose rate does not come from a market: USD, configured fiat, stablecoins at par. */
  fixed: Set<string>;
}

export async function converter(pool: Pool, cfg: AnalyticsConfig): Promise<Converter> {
  const rates = await usdRates(pool, cfg);
  const fiat = await fiatRates(pool, cfg);
  const stables = new Set(cfg.stablecoins.map((c) => c.toUpperCase()));
  const fixed = new Set([...fiat.keys(), ...[...stables].filter((s) => rates.get(s) === 1)]);
  const usdPer = (vs: string) => rates.get(vs.toUpperCase());
  return {
    fixed,
    supported: ['usd', ...[...rates.keys()].filter((k) => k !== 'USD').map((k) => k.toLowerCase()).sort()],
    usdPer,
    convert: (usd, vs) => {
      const r = usdPer(vs);
      return usd === null || r === undefined ? null : usd / r;
    },
  };
}

export interface AssetPriceRow {
  asset: string;
  price_usd: number;
  time: number;
  confidence: number;
  venues: Array<{ market: string; price: number; price_usd: number; volume_usd: number; last_at: number }>;
  excluded: Array<{ market: string; reason: string; price_usd: number; deviation?: number; last_at: number }>;
  computed_at: number;
}

export async function assetPrices(pool: Pool, assets: string[] | null): Promise<AssetPriceRow[]> {
  const r = await pool.query<AssetPriceRow>(
    `SELECT asset_id AS asset, price_usd::float8 AS price_usd, (extract(epoch FROM ts) * 1000)::int8 AS time, confidence::float8 AS confidence,
            venues, excluded, (extract(epoch FROM computed_at) * 1000)::int8 AS computed_at
     FROM asset_prices WHERE $1::text[] IS NULL OR asset_id = ANY($1) ORDER BY asset_id`,
    [assets],
  );
  return r.rows;
}

export interface AssetStatsRow {
  asset: string; name: string | null; computed_at: number; price_usd: number | null; open_usd: number | null; high_usd: number | null;
  low_usd: number | null; change_usd: number | null; change_pct: number | null; change_1h_pct: number | null; change_7d_pct: number | null;
  change_30d_pct: number | null; volume_usd: number | null; base_volume: number | null; trades: number | null; vwap_usd: number | null;
  volatility: number | null; volume_1h_usd: number | null; trend_score: number | null; markets: number;
}

const ASSET_STATS_COLUMNS = `s.asset_id AS asset, a.name, (extract(epoch FROM s.computed_at) * 1000)::int8 AS computed_at,
  s.price_usd::float8 AS price_usd, s.open_usd::float8 AS open_usd, s.high_usd::float8 AS high_usd, s.low_usd::float8 AS low_usd,
  s.change_usd::float8 AS change_usd, s.change_pct::float8 AS change_pct, s.change_1h_pct::float8 AS change_1h_pct,
  s.change_7d_pct::float8 AS change_7d_pct, s.change_30d_pct::float8 AS change_30d_pct, s.volume_usd::float8 AS volume_usd,
  s.base_volume::float8 AS base_volume, s.trades, s.vwap_usd::float8 AS vwap_usd, s.volatility::float8 AS volatility,
  s.volume_1h_usd::float8 AS volume_1h_usd, s.trend_score::float8 AS trend_score, s.markets`;

export async function assetStats(pool: Pool, assets: string[] | null): Promise<AssetStatsRow[]> {
  const r = await pool.query<AssetStatsRow>(
    `SELECT ${ASSET_STATS_COLUMNS} FROM asset_stats s JOIN assets a ON a.id = s.asset_id
     WHERE $1::text[] IS NULL OR s.asset_id = ANY($1) ORDER BY s.volume_usd DESC NULLS LAST, s.asset_id`,
    [assets],
  );
  return r.rows;
}

export interface MarketStatsRow {
  market: string; venue: string; base: string; quote: string; computed_at: number; time: number | null; last: number | null;
  open: number | null; high: number | null; low: number | null; change: number | null; change_pct: number | null;
  base_volume: number | null; quote_volume: number | null; usd_volume: number | null; trades: number | null; vwap: number | null;
  last_usd: number | null; change_1h_pct: number | null; change_7d_pct: number | null; change_30d_pct: number | null;
  volatility: number | null; volume_1h_usd: number | null; trend_score: number | null;
}

export async function marketStats(pool: Pool, f: { markets?: string[]; venue?: string; base?: string } = {}): Promise<MarketStatsRow[]> {
  const r = await pool.query<MarketStatsRow>(
    `SELECT m.id AS market, m.venue_id AS venue, m.base_id AS base, m.quote_id AS quote,
       (extract(epoch FROM s.computed_at) * 1000)::int8 AS computed_at, (extract(epoch FROM s.ts) * 1000)::int8 AS time,
       s.last::float8 AS last, s.open::float8 AS open, s.high::float8 AS high, s.low::float8 AS low, s.change::float8 AS change,
       s.change_pct::float8 AS change_pct, s.base_volume::float8 AS base_volume, s.quote_volume::float8 AS quote_volume,
       s.usd_volume::float8 AS usd_volume, s.trades, s.vwap::float8 AS vwap, s.last_usd::float8 AS last_usd,
       s.change_1h_pct::float8 AS change_1h_pct, s.change_7d_pct::float8 AS change_7d_pct, s.change_30d_pct::float8 AS change_30d_pct,
       s.volatility::float8 AS volatility, s.volume_1h_usd::float8 AS volume_1h_usd, s.trend_score::float8 AS trend_score
     FROM market_stats s JOIN markets m ON m.pk = s.market_pk
     WHERE ($1::text[] IS NULL OR m.id = ANY($1)) AND ($2::text IS NULL OR m.venue_id = $2) AND ($3::text IS NULL OR m.base_id = $3)
     ORDER BY s.usd_volume DESC NULLS LAST, m.id`,
    [f.markets ?? null, f.venue ?? null, f.base ?? null],
  );
  return r.rows;
}
