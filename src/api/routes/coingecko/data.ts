// Wick's stored data in CoinGecko's vocabulary: a "coin" is an asset (id = the lower-case
// asset code, e.g. "btc"; the name when known), an "exchange" is a venue, a "ticker" is a
// market. Values Wick cannot know (market caps, supplies, ATH, images, …) are null.
import type { Pool } from '../../../db/pool.js';
import type { AnalyticsConfig } from '../../../analytics/config.js';
import { assetStats, converter, marketStats, type AssetStatsRow, type Converter, type MarketStatsRow } from '../../../analytics/read.js';
import { primaryMarket, tokenChart } from '../../../analytics/tokens.js';
import { bookLiquidity } from '../../../analytics/liquidity.js';
import { lastComputed } from '../../../analytics/read.js';
import { SwrCache } from '../../../analytics/swr.js';

export interface Coin { id: string; asset: string; symbol: string; name: string; platforms: Record<string, string> }

export class CgError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

export const coinIdOf = (asset: string) => asset.toLowerCase();

export async function loadCoins(pool: Pool): Promise<Coin[]> {
  const r = await pool.query<{ id: string; symbol: string; name: string | null; platforms: Record<string, string> }>(
    `SELECT a.id, a.symbol, a.name,
       coalesce((SELECT jsonb_object_agg(x.platform, x.address) FROM asset_addresses x WHERE x.asset_id = a.id), '{}') AS platforms
     FROM assets a ORDER BY a.id`,
  );
  return r.rows.map((a) => ({ id: coinIdOf(a.id), asset: a.id, symbol: a.symbol.toLowerCase(), name: a.name ?? a.id, platforms: a.platforms }));
}

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);

/** Coins selected by CoinGecko's ids / names / symbols parameters (ids win, as in CoinGecko). */
export function selectCoins(coins: Coin[], q: { ids?: string; names?: string; symbols?: string }): Coin[] | null {
  const ids = list(q.ids);
  if (ids.length) return coins.filter((c) => ids.includes(c.id));
  const names = list(q.names);
  if (names.length) return coins.filter((c) => names.includes(c.name.toLowerCase()));
  const symbols = list(q.symbols);
  if (symbols.length) return coins.filter((c) => symbols.includes(c.symbol));
  return null;
}

export async function findCoin(pool: Pool, id: string): Promise<Coin> {
  const c = (await loadCoins(pool)).find((x) => x.id === id.toLowerCase());
  if (!c) throw new CgError(404, 'coin not found');
  return c;
}

/** CoinGecko's precision parameter: "full" or 0..18 decimal places. */
export function rounder(precision: string | undefined): (x: number | null) => number | null {
  if (precision === undefined || precision === 'full') return (x) => x;
  const n = Number(precision);
  return (x) => (x === null ? null : Number(x.toFixed(n)));
}

export interface Ctx { pool: Pool; cfg: AnalyticsConfig }

export async function vsConverter(ctx: Ctx, vs: string[]): Promise<Converter> {
  const conv = await converter(ctx.pool, ctx.cfg);
  for (const v of vs) if (conv.usdPer(v) === undefined) throw new CgError(400, 'invalid vs_currency');
  return conv;
}

export async function statsByAsset(pool: Pool): Promise<Map<string, AssetStatsRow>> {
  return new Map((await assetStats(pool, null)).map((s) => [s.asset, s]));
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** CoinGecko's price_change_percentage timeframes Wick computes; the others are null. */
export function changeFor(s: AssetStatsRow | undefined, tf: string): number | null {
  if (!s) return null;
  return ({ '1h': s.change_1h_pct, '24h': s.change_pct, '7d': s.change_7d_pct, '30d': s.change_30d_pct } as Record<string, number | null>)[tf] ?? null;
}

/** Hourly USD closes of the asset's main market over 7 days, in `vs`. */
export async function sparkline(pool: Pool, asset: string, conv: Converter, vs: string): Promise<number[]> {
  const m = await primaryMarket(pool, asset);
  if (!m) return [];
  const rows = await tokenChart(pool, m, conv, { resolution: 3600, from: Date.now() - 7 * 86_400_000, limit: 168, volume: false, usd: true });
  return rows.map((r) => conv.convert(r[5] as number | null, vs)).filter((x): x is number => x !== null);
}

export function marketRow(c: Coin, s: AssetStatsRow | undefined, conv: Converter, vs: string, round: (x: number | null) => number | null) {
  const cv = (x: number | null | undefined) => round(conv.convert(x ?? null, vs));
  return {
    id: c.id, symbol: c.symbol, name: c.name, image: null,
    current_price: cv(s?.price_usd), market_cap: null, market_cap_rank: null, fully_diluted_valuation: null,
    total_volume: cv(s?.volume_usd), high_24h: cv(s?.high_usd), low_24h: cv(s?.low_usd),
    price_change_24h: cv(s?.change_usd), price_change_percentage_24h: s?.change_pct ?? null,
    market_cap_change_24h: null, market_cap_change_percentage_24h: null,
    circulating_supply: null, total_supply: null, max_supply: null,
    ath: null, ath_change_percentage: null, ath_date: null, atl: null, atl_change_percentage: null, atl_date: null,
    roi: null, last_updated: iso(s?.computed_at ?? null),
  };
}

/** Tickers in CoinGecko's shape for the given market statistics rows. */
export async function cgTickers(ctx: Ctx, rows: MarketStatsRow[], conv: Converter, depth: boolean) {
  const venues = new Map((await ctx.pool.query<{ id: string; name: string }>('SELECT id, name FROM venues')).rows.map((v) => [v.id, v.name]));
  const books = await ctx.pool.query<{ market: string; time: number; bids: Array<[string, string]>; asks: Array<[string, string]> }>(
    `SELECT DISTINCT ON (o.market_pk) m.id AS market, (extract(epoch FROM o.ts) * 1000)::int8 AS time, o.bids, o.asks
     FROM orderbook_snapshots o JOIN markets m ON m.pk = o.market_pk WHERE m.id = ANY($1) ORDER BY o.market_pk, o.ts DESC`,
    [rows.map((r) => r.market)],
  );
  const bookOf = new Map(books.rows.map((b) => [b.market, b]));
  // a market the price aggregation excluded as an outlier is CoinGecko's "anomaly"
  const outliers = new Set((await ctx.pool.query<{ m: string }>(`SELECT e->>'market' AS m FROM asset_prices, jsonb_array_elements(excluded) e WHERE e->>'reason' = 'outlier'`)).rows.map((x) => x.m));
  const inv = (code: string) => conv.usdPer(code);
  return rows.map((r) => {
    const b = bookOf.get(r.market);
    const l = b ? bookLiquidity(b.bids, b.asks, ctx.cfg.depthBand, conv.usdPer(r.quote) ?? null) : null;
    const conv3 = (usd: number | null) => ({ btc: div(usd, inv('btc')), eth: div(usd, inv('eth')), usd });
    return {
      base: r.base, target: r.quote,
      market: { name: venues.get(r.venue) ?? r.venue, identifier: r.venue, has_trading_incentive: false, logo: null },
      last: r.last, volume: r.base_volume,
      ...(depth ? { cost_to_move_up_usd: l?.cost_up_usd ?? null, cost_to_move_down_usd: l?.cost_down_usd ?? null } : {}),
      converted_last: conv3(r.last_usd), converted_volume: conv3(r.usd_volume),
      trust_score: null, bid_ask_spread_percentage: l?.spread_pct ?? null,
      timestamp: iso(r.time), last_traded_at: iso(r.time), last_fetch_at: iso(r.computed_at),
      is_anomaly: outliers.has(r.market), is_stale: r.time === null || r.computed_at - r.time > ctx.cfg.staleAfter,
      trade_url: null, token_info_url: null, coin_id: coinIdOf(r.base), target_coin_id: coinIdOf(r.quote), coin_mcap_usd: null,
    };
  });
}

const div = (a: number | null, b: number | undefined) => (a === null || b === undefined ? null : a / b);

export { marketStats };

/** What most CoinGecko reads need, loaded together and served from a stale-while-revalidate cache. */
export interface Snapshot { computedAt: number | null; coins: Coin[]; stats: Map<string, AssetStatsRow>; conv: Converter }

export function snapshotCache(ctx: Ctx, onError: (e: unknown) => void): SwrCache<Snapshot> {
  const ttl = Math.min(30_000, Math.max(1000, ctx.cfg.every / 2));
  return new SwrCache(async () => {
    const [computedAt, coins, stats, conv] = await Promise.all([lastComputed(ctx.pool), loadCoins(ctx.pool), statsByAsset(ctx.pool), converter(ctx.pool, ctx.cfg)]);
    return { computedAt, coins, stats, conv };
  }, ttl, (s) => s.computedAt !== null, onError);
}
