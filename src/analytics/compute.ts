// The analytics run: reads each market's recent candles (and venue tickers where there are
// no candles), aggregates USD prices asset by asset through their quotes, derives 24 h
// statistics per market and per asset, and stores all of it in one transaction so reads
// never see a half-written state. `now` is a parameter so runs are reproducible.
import { withTransaction, type Pool } from '../db/pool.js';
import { aggregatePrice, logReturnStddev, type AggregatedPrice, type VenueQuote } from './aggregate.js';
import type { AnalyticsConfig } from './config.js';
import { fiatRates } from './rates.js';

interface MarketFigures {
  pk: number;
  id: string;
  base: string;
  quote: string;
  last: number | null;
  last_at: number | null;
  open: number | null;
  high: number | null;
  low: number | null;
  base_volume: number | null;
  quote_volume: number | null;
  trades: number | null;
  w_volume: number | null;
  w_quote_volume: number | null;
  h1_quote_volume: number | null;
  d7_quote_volume: number | null;
  hourly_closes: number[] | null;
  ref_1h: number | null;
  ref_7d: number | null;
  ref_30d: number | null;
  from_ticker: boolean;
}

// Candles without a quote volume (some venues' own candles) count volume × close.
const QV = 'coalesce(quote_volume, volume * close)';
const FIGURES_SQL = `
WITH day AS (
  SELECT market_pk, (array_agg(open ORDER BY ts))[1] AS open, max(high) AS high, min(low) AS low,
         sum(volume) AS volume, sum(${QV}) AS quote_volume,
         CASE WHEN count(trades) = count(*) THEN sum(trades) END AS trades,
         sum(volume) FILTER (WHERE ts >= $1::timestamptz - make_interval(secs => $2::float8)) AS w_volume,
         sum(${QV}) FILTER (WHERE ts >= $1::timestamptz - make_interval(secs => $2::float8)) AS w_quote_volume,
         coalesce(sum(${QV}) FILTER (WHERE ts >= $1::timestamptz - interval '1 hour'), 0) AS h1_quote_volume
  FROM candles WHERE resolution = 60 AND ts >= $1::timestamptz - interval '24 hours' AND ts < $1::timestamptz
  GROUP BY market_pk
), hours AS (
  SELECT market_pk, sum(${QV}) FILTER (WHERE ts >= $1::timestamptz - interval '7 days') AS d7_quote_volume,
         array_agg(close::float8 ORDER BY ts) FILTER (WHERE ts >= $1::timestamptz - make_interval(secs => $3::float8)) AS closes
  FROM candles WHERE resolution = 3600 AND ts >= $1::timestamptz - greatest(interval '7 days', make_interval(secs => $3::float8)) AND ts < $1::timestamptz
  GROUP BY market_pk
)
SELECT m.pk, m.id, m.base_id AS base, m.quote_id AS quote,
  coalesce(l.close, t.last)::float8 AS last,
  (extract(epoch FROM CASE WHEN l.ts IS NOT NULL THEN least(l.ts + interval '1 minute', $1::timestamptz) ELSE t.ts END) * 1000)::int8 AS last_at,
  coalesce(d.open, CASE WHEN l.ts IS NULL THEN t.open END)::float8 AS open,
  coalesce(d.high, CASE WHEN l.ts IS NULL THEN t.high END)::float8 AS high,
  coalesce(d.low, CASE WHEN l.ts IS NULL THEN t.low END)::float8 AS low,
  (CASE WHEN l.ts IS NOT NULL THEN coalesce(d.volume, 0) ELSE t.base_volume END)::float8 AS base_volume,
  (CASE WHEN l.ts IS NOT NULL THEN coalesce(d.quote_volume, 0) ELSE t.quote_volume END)::float8 AS quote_volume,
  (CASE WHEN l.ts IS NOT NULL THEN coalesce(d.trades, 0) END)::int AS trades,
  d.w_volume::float8 AS w_volume, d.w_quote_volume::float8 AS w_quote_volume,
  d.h1_quote_volume::float8 AS h1_quote_volume, h.d7_quote_volume::float8 AS d7_quote_volume, h.closes AS hourly_closes,
  r1.close::float8 AS ref_1h, r7.close::float8 AS ref_7d, r30.close::float8 AS ref_30d,
  (l.ts IS NULL) AS from_ticker
FROM markets m
LEFT JOIN day d ON d.market_pk = m.pk
LEFT JOIN hours h ON h.market_pk = m.pk
LEFT JOIN LATERAL (SELECT ts, close FROM candles c WHERE c.market_pk = m.pk AND c.resolution = 60 AND c.ts < $1::timestamptz ORDER BY c.ts DESC LIMIT 1) l ON true
LEFT JOIN LATERAL (SELECT * FROM ticker_snapshots s WHERE s.market_pk = m.pk AND s.ts <= $1::timestamptz ORDER BY s.ts DESC LIMIT 1) t ON l.ts IS NULL
LEFT JOIN LATERAL (SELECT close FROM candles c WHERE c.market_pk = m.pk AND c.resolution = 60 AND c.ts < $1::timestamptz - interval '1 hour' ORDER BY c.ts DESC LIMIT 1) r1 ON true
LEFT JOIN LATERAL (SELECT close FROM candles c WHERE c.market_pk = m.pk AND c.resolution = 60 AND c.ts < $1::timestamptz - interval '7 days' ORDER BY c.ts DESC LIMIT 1) r7 ON true
LEFT JOIN LATERAL (SELECT close FROM candles c WHERE c.market_pk = m.pk AND c.resolution = 60 AND c.ts < $1::timestamptz - interval '30 days' ORDER BY c.ts DESC LIMIT 1) r30 ON true
WHERE l.ts IS NOT NULL OR t.ts IS NOT NULL`;

async function readFigures(pool: Pool, cfg: AnalyticsConfig, now: number): Promise<MarketFigures[]> {
  const r = await pool.query<MarketFigures>(FIGURES_SQL, [new Date(now), cfg.priceWindow / 1000, cfg.volatilityWindow / 1000]);
  return r.rows;
}

const pct = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : (a / b - 1) * 100);

/** The price a venue contributes: its VWAP inside the window, else its last price (zero weight). */
function venueQuote(f: MarketFigures, quoteUsd: number): VenueQuote | null {
  const price = f.w_volume && f.w_volume > 0 && f.w_quote_volume !== null ? f.w_quote_volume / f.w_volume : f.last;
  if (price === null || f.last_at === null) return null;
  return { market: f.id, price, priceUsd: price * quoteUsd, volumeUsd: (f.w_quote_volume ?? 0) * quoteUsd, baseVolume: f.w_volume ?? 0, lastAt: f.last_at };
}

/**
 * USD prices in passes: markets quoted in USD, fiat or stablecoins price their bases first;
 * every later pass adds markets quoted in assets priced by the pass before (e.g. XRP/ETH once
 * ETH is priced), until nothing changes. Stablecoins count as 1 USD unless their own
 * aggregated price leaves the sanity band.
 */
export function priceAssets(figures: MarketFigures[], fiat: Map<string, number>, cfg: AnalyticsConfig, now: number): { prices: Map<string, AggregatedPrice>; usd: Map<string, number> } {
  const stables = new Set(cfg.stablecoins.map((s) => s.toUpperCase()));
  const usd = new Map(fiat);
  for (const s of stables) if (!usd.has(s)) usd.set(s, 1);
  let prices = new Map<string, AggregatedPrice>();
  for (let pass = 0; pass < 6; pass++) {
    const byAsset = new Map<string, VenueQuote[]>();
    for (const f of figures) {
      const q = usd.get(f.quote);
      if (q === undefined || fiat.has(f.base) || f.base === f.quote) continue;
      const vq = venueQuote(f, q);
      if (vq) byAsset.set(f.base, [...(byAsset.get(f.base) ?? []), vq]);
    }
    const next = new Map<string, AggregatedPrice>();
    for (const [asset, quotes] of byAsset) {
      const a = aggregatePrice(quotes, { now, staleAfter: cfg.staleAfter, outlierBand: cfg.outlierBand });
      if (a) next.set(asset, a);
    }
    let changed = false;
    for (const [asset, a] of next) {
      const value = stables.has(asset) && Math.abs(a.priceUsd - 1) <= cfg.stablecoinBand ? 1 : a.priceUsd;
      if (usd.get(asset) !== value) changed = true;
      usd.set(asset, value);
    }
    prices = next;
    if (!changed) break;
  }
  return { prices, usd };
}

interface MarketStat {
  market_pk: number; computed_at: string; ts: string | null; last: number | null; open: number | null; high: number | null; low: number | null;
  change: number | null; change_pct: number | null; base_volume: number | null; quote_volume: number | null; usd_volume: number | null;
  trades: number | null; vwap: number | null; last_usd: number | null; change_1h_pct: number | null; change_7d_pct: number | null;
  change_30d_pct: number | null; volatility: number | null; volume_1h_usd: number | null; trend_score: number | null;
}

function marketStat(f: MarketFigures, quoteUsd: number | undefined, computedAt: string): MarketStat {
  const conv = (x: number | null) => (x === null || quoteUsd === undefined ? null : x * quoteUsd);
  const hourlyBaseline = f.d7_quote_volume ? f.d7_quote_volume / 168 : null;
  return {
    market_pk: f.pk, computed_at: computedAt, ts: f.last_at === null ? null : new Date(f.last_at).toISOString(),
    last: f.last, open: f.open, high: f.high, low: f.low,
    change: f.last !== null && f.open !== null ? f.last - f.open : null,
    change_pct: pct(f.last, f.open),
    base_volume: f.base_volume, quote_volume: f.quote_volume, usd_volume: conv(f.quote_volume),
    trades: f.trades,
    vwap: f.base_volume && f.quote_volume !== null ? f.quote_volume / f.base_volume : null,
    last_usd: conv(f.last),
    change_1h_pct: pct(f.last, f.ref_1h), change_7d_pct: pct(f.last, f.ref_7d), change_30d_pct: pct(f.last, f.ref_30d),
    volatility: f.hourly_closes ? logReturnStddev(f.hourly_closes) : null,
    volume_1h_usd: f.from_ticker ? null : conv(f.h1_quote_volume),
    trend_score: !f.from_ticker && hourlyBaseline ? (f.h1_quote_volume ?? 0) / hourlyBaseline : null,
  };
}

/** Volume-weighted mean of x over the rows that have it (equal weights when no volume). */
function weighted(rows: MarketStat[], x: (r: MarketStat) => number | null): number | null {
  const have = rows.filter((r) => x(r) !== null);
  if (have.length === 0) return null;
  const w = have.reduce((s, r) => s + (r.usd_volume ?? 0), 0);
  return w > 0 ? have.reduce((s, r) => s + x(r)! * (r.usd_volume ?? 0), 0) / w : have.reduce((s, r) => s + x(r)!, 0) / have.length;
}

function sumOrNull(xs: Array<number | null>): number | null {
  const have = xs.filter((x): x is number => x !== null);
  return have.length ? have.reduce((s, x) => s + x, 0) : null;
}

/**
 * An asset's figures over all its markets: volumes add up; price-relative figures (changes,
 * high/low relative to last, volatility) are the USD-volume-weighted mean over the venues
 * its aggregated price used, applied to that price.
 */
function assetStat(asset: string, price: AggregatedPrice, rows: MarketStat[], byId: Map<number, string>, computedAt: string) {
  const usedIds = new Set(price.venues.map((v) => v.market));
  const used = rows.filter((r) => usedIds.has(byId.get(r.market_pk)!));
  const P = price.priceUsd;
  const rel = (k: 'open' | 'high' | 'low') => weighted(used, (r) => (r[k] !== null && r.last ? r[k]! / r.last : null));
  const [ro, rh, rl] = [rel('open'), rel('high'), rel('low')];
  const changePct = ro === null || ro === 0 ? null : (1 / ro - 1) * 100;
  const usdVolume = sumOrNull(rows.map((r) => r.usd_volume));
  const baseVolume = sumOrNull(rows.map((r) => r.base_volume));
  const h1 = sumOrNull(rows.map((r) => r.volume_1h_usd));
  const baselines = rows.map((r) => (r.trend_score && r.volume_1h_usd !== null ? r.volume_1h_usd / r.trend_score : null));
  const baseline = sumOrNull(baselines);
  return {
    asset_id: asset, computed_at: computedAt, price_usd: P,
    open_usd: ro === null ? null : P * ro, high_usd: rh === null ? null : P * rh, low_usd: rl === null ? null : P * rl,
    change_usd: ro === null ? null : P - P * ro, change_pct: changePct,
    change_1h_pct: weighted(used, (r) => r.change_1h_pct), change_7d_pct: weighted(used, (r) => r.change_7d_pct),
    change_30d_pct: weighted(used, (r) => r.change_30d_pct),
    volume_usd: usdVolume, base_volume: baseVolume,
    trades: rows.some((r) => r.trades === null) ? null : rows.reduce((s, r) => s + (r.trades ?? 0), 0),
    vwap_usd: usdVolume !== null && baseVolume ? usdVolume / baseVolume : null,
    volatility: weighted(used, (r) => r.volatility),
    volume_1h_usd: h1, trend_score: h1 !== null && baseline ? h1 / baseline : null,
    markets: rows.length,
  };
}

export interface AnalyticsRun { markets: number; assets: number; prices: number }

/** One full analytics run at `now` (default: the current time), stored atomically. */
export async function computeAnalytics(pool: Pool, cfg: AnalyticsConfig, now = Date.now()): Promise<AnalyticsRun> {
  const figures = await readFigures(pool, cfg, now);
  const fiat = await fiatRates(pool, cfg);
  const { prices, usd } = priceAssets(figures, fiat, cfg, now);
  const computedAt = new Date(now).toISOString();
  const stats = figures.map((f) => marketStat(f, usd.get(f.quote), computedAt));
  const byId = new Map(figures.map((f) => [f.pk, f.id]));
  // each asset's markets whose quote converts to USD
  const byBase = new Map<string, MarketStat[]>();
  figures.forEach((f, i) => {
    if (usd.has(f.quote)) byBase.set(f.base, [...(byBase.get(f.base) ?? []), stats[i]]);
  });
  const assets = [...prices].map(([asset, p]) => assetStat(asset, p, byBase.get(asset) ?? [], byId, computedAt));
  const priceRows = [...prices].map(([asset, p]) => ({
    asset_id: asset, price_usd: p.priceUsd, ts: new Date(p.ts).toISOString(), confidence: p.confidence,
    venues: p.venues, excluded: p.excluded, computed_at: computedAt,
  }));
  await withTransaction(pool, async (client) => {
    await client.query('DELETE FROM market_stats');
    await client.query('DELETE FROM asset_stats');
    await client.query('DELETE FROM asset_prices');
    await client.query('INSERT INTO market_stats SELECT * FROM jsonb_populate_recordset(null::market_stats, $1)', [JSON.stringify(stats)]);
    await client.query('INSERT INTO asset_prices SELECT * FROM jsonb_populate_recordset(null::asset_prices, $1)', [JSON.stringify(priceRows)]);
    await client.query('INSERT INTO asset_stats SELECT * FROM jsonb_populate_recordset(null::asset_stats, $1)', [JSON.stringify(assets)]);
  });
  return { markets: stats.length, assets: assets.length, prices: priceRows.length };
}
