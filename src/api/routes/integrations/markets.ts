// The markets an exchange-listing API exposes: one per BASE_QUOTE pair, from one venue
// (query `venue`, else `analytics.listingVenue`) or, unscoped, the busiest venue's market of
// each pair. Shared by the CoinGecko and CoinMarketCap integration routes.
import type { Pool } from '../../../db/pool.js';
import { bookLiquidity, type Liquidity } from '../../../analytics/liquidity.js';
import type { Converter } from '../../../analytics/read.js';

export interface ListedMarket {
  pk: number; id: string; venue: string; symbol: string; base: string; quote: string; active: boolean;
  pair: string; last: number | null; open: number | null; high: number | null; low: number | null; change_pct: number | null;
  base_volume: number | null; quote_volume: number | null; usd_volume: number | null; time: number | null;
  bids: Array<[string, string]> | null; asks: Array<[string, string]> | null; book_time: number | null;
}

export async function listedMarkets(pool: Pool, venue: string | undefined): Promise<ListedMarket[]> {
  const r = await pool.query<ListedMarket>(
    `SELECT DISTINCT ON (m.base_id, m.quote_id) m.pk, m.id, m.venue_id AS venue, m.symbol, m.base_id AS base, m.quote_id AS quote, m.active,
       m.base_id || '_' || m.quote_id AS pair, s.last::float8 AS last, s.open::float8 AS open, s.high::float8 AS high, s.low::float8 AS low,
       s.change_pct::float8 AS change_pct, s.base_volume::float8 AS base_volume, s.quote_volume::float8 AS quote_volume,
       s.usd_volume::float8 AS usd_volume, (extract(epoch FROM s.ts) * 1000)::int8 AS time,
       o.bids, o.asks, (extract(epoch FROM o.ts) * 1000)::int8 AS book_time
     FROM markets m LEFT JOIN market_stats s ON s.market_pk = m.pk
     LEFT JOIN LATERAL (SELECT ts, bids, asks FROM orderbook_snapshots WHERE market_pk = m.pk ORDER BY ts DESC LIMIT 1) o ON true
     WHERE ($1::text IS NULL OR m.venue_id = $1) AND m.type = 'spot'
     ORDER BY m.base_id, m.quote_id, s.usd_volume DESC NULLS LAST, m.id`,
    [venue ?? null],
  );
  return r.rows;
}

export async function listedMarket(pool: Pool, venue: string | undefined, pair: string): Promise<ListedMarket | null> {
  const p = pair.toUpperCase().replace(/[-/]/, '_');
  return (await listedMarkets(pool, venue)).find((m) => m.pair === p) ?? null;
}

export function liquidity(m: ListedMarket, band: number, conv: Converter): Liquidity | null {
  return m.bids && m.asks ? bookLiquidity(m.bids, m.asks, band, conv.usdPer(m.quote) ?? null) : null;
}

/** Best bid and ask: from the latest book. */
export const bestBid = (m: ListedMarket) => (m.bids?.length ? Number(m.bids[0][0]) : null);
export const bestAsk = (m: ListedMarket) => (m.asks?.length ? Number(m.asks[0][0]) : null);

export interface TradeRow { trade_id: string; price: number; base_volume: number; quote_volume: number; time: number; type: 'buy' | 'sell' | null }

export async function recentTrades(pool: Pool, pk: number, o: { limit: number; from?: number; to?: number; side?: 'buy' | 'sell' }): Promise<TradeRow[]> {
  const r = await pool.query<TradeRow>(
    `SELECT trade_id, price::float8 AS price, amount::float8 AS base_volume, (price * amount)::float8 AS quote_volume,
       (extract(epoch FROM ts) * 1000)::int8 AS time, side AS type
     FROM trades WHERE market_pk = $1 AND ($2::timestamptz IS NULL OR ts >= $2) AND ($3::timestamptz IS NULL OR ts < $3) AND ($4::text IS NULL OR side = $4)
     ORDER BY ts DESC, trade_id DESC LIMIT $5`,
    [pk, o.from === undefined ? null : new Date(o.from), o.to === undefined ? null : new Date(o.to), o.side ?? null, o.limit],
  );
  return r.rows;
}

/** Levels as numbers, at most `perSide` per side (0 = all). */
export const levels = (l: Array<[string, string]> | null, perSide: number) => (l ?? []).slice(0, perSide > 0 ? perSide : undefined).map(([p, a]) => [Number(p), Number(a)]);
