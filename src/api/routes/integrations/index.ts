// Exchange-listing APIs for the venues Wick tracks, in the shapes aggregators poll:
// CoinGecko's exchange/DEX integration (/integrations/coingecko) and CoinMarketCap's
// exchange integration (/integrations/cmc). Field names exactly as those specs publish them
// (trading_pairs, trade_timestamp, liquidity_in_usd — not the variants one DEX API uses).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { converter } from '../../../analytics/read.js';
import { cacheHeaders } from '../../caching.js';
import { badRequest, notFound } from '../../errors.js';
import { timeParam } from '../../params.js';
import { errors } from '../../schemas.js';
import type { ApiContext } from '../../app.js';
import { bestAsk, bestBid, levels, liquidity, listedMarket, listedMarkets, recentTrades } from './markets.js';

const Venue = Type.Optional(Type.String({ description: 'Only this venue (default: analytics.listingVenue, else every venue, busiest market per pair)' }));
const Any = Type.Unknown();
const tags = ['listing'];

export const coingeckoListingRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const { pool } = ctx;
  const cfg = ctx.config.analytics;
  cacheHeaders(app, 30);
  const venue = (v?: string) => v ?? cfg.listingVenue;

  app.get('/pairs', { schema: { summary: 'CoinGecko integration: pairs', tags, querystring: Type.Object({ venue: Venue }), response: { 200: Any } } },
    async (req) => (await listedMarkets(pool, venue(req.query.venue))).map((m) => ({ ticker_id: m.pair, base: m.base, target: m.quote, pool_id: m.id })));

  app.get('/tickers', { schema: { summary: 'CoinGecko integration: 24 h tickers', tags, querystring: Type.Object({ venue: Venue }), response: { 200: Any } } }, async (req) => {
    const conv = await converter(pool, cfg);
    return (await listedMarkets(pool, venue(req.query.venue))).map((m) => {
      const l = liquidity(m, cfg.depthBand, conv);
      return {
        ticker_id: m.pair, base_currency: m.base, target_currency: m.quote, pool_id: m.id,
        last_price: m.last, base_volume: m.base_volume, target_volume: m.quote_volume,
        // order-book depth within ±band of mid, both sides, in USD
        liquidity_in_usd: l && l.depth_bid_usd !== null && l.depth_ask_usd !== null ? l.depth_bid_usd + l.depth_ask_usd : null,
        bid: bestBid(m), ask: bestAsk(m), high: m.high, low: m.low,
      };
    });
  });

  app.get('/orderbook', {
    schema: {
      summary: 'CoinGecko integration: order book', tags,
      querystring: Type.Object({ ticker_id: Type.String(), depth: Type.Integer({ minimum: 0, default: 0, description: '0 = full book; 100 = 50 levels per side' }), venue: Venue }),
      response: { 200: Any, ...errors(400, 404) },
    },
  }, async (req) => {
    const m = await listedMarket(pool, venue(req.query.venue), req.query.ticker_id);
    if (!m) throw notFound(`unknown ticker_id "${req.query.ticker_id}"`);
    const per = Math.floor(req.query.depth / 2);
    return { ticker_id: m.pair, timestamp: m.book_time, bids: levels(m.bids, per), asks: levels(m.asks, per) };
  });

  app.get('/historical_trades', {
    schema: {
      summary: 'CoinGecko integration: recent trades by side', tags,
      querystring: Type.Object({
        ticker_id: Type.String(), type: Type.Optional(Type.Union([Type.Literal('buy'), Type.Literal('sell')])),
        limit: Type.Integer({ minimum: 0, maximum: 10_000, default: 500, description: '0 = the default of 500' }),
        start_time: Type.Optional(Type.String()), end_time: Type.Optional(Type.String()), venue: Venue,
      }),
      response: { 200: Any, ...errors(400, 404) },
    },
  }, async (req) => {
    const q = req.query;
    const m = await listedMarket(pool, venue(q.venue), q.ticker_id);
    if (!m) throw notFound(`unknown ticker_id "${q.ticker_id}"`);
    const rows = await recentTrades(pool, m.pk, { limit: q.limit || 500, from: timeParam('start_time', q.start_time), to: timeParam('end_time', q.end_time), side: q.type });
    const out = rows.map((t) => ({ trade_id: t.trade_id, price: t.price, base_volume: t.base_volume, target_volume: t.quote_volume, trade_timestamp: t.time, type: t.type }));
    return { buy: out.filter((t) => t.type === 'buy'), sell: out.filter((t) => t.type === 'sell') };
  });
};

export const cmcListingRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const { pool } = ctx;
  const cfg = ctx.config.analytics;
  cacheHeaders(app, 30);
  const venue = (v?: string) => v ?? cfg.listingVenue;

  app.get('/summary', { schema: { summary: 'CoinMarketCap integration: summary', tags, querystring: Type.Object({ venue: Venue }), response: { 200: Any } } },
    async (req) => (await listedMarkets(pool, venue(req.query.venue))).map((m) => ({
      trading_pairs: m.pair, base_currency: m.base, quote_currency: m.quote, last_price: m.last, lowest_ask: bestAsk(m), highest_bid: bestBid(m),
      base_volume: m.base_volume, quote_volume: m.quote_volume, price_change_percent_24h: m.change_pct, highest_price_24h: m.high, lowest_price_24h: m.low,
    })));

  app.get('/assets', { schema: { summary: 'CoinMarketCap integration: assets', tags, querystring: Type.Object({ venue: Venue }), response: { 200: Any } } }, async (req) => {
    const markets = await listedMarkets(pool, venue(req.query.venue));
    const codes = [...new Set(markets.flatMap((m) => [m.base, m.quote]))].sort();
    const names = new Map((await pool.query<{ id: string; name: string | null }>('SELECT id, name FROM assets WHERE id = ANY($1)', [codes])).rows.map((a) => [a.id, a.name]));
    // deposits, withdrawals and fees are the venue's business, unknown to Wick
    return Object.fromEntries(codes.map((c) => [c, { name: names.get(c) ?? null, unified_cryptoasset_id: null, can_withdraw: null, can_deposit: null, min_withdraw: null, max_withdraw: null, maker_fee: null, taker_fee: null }]));
  });

  app.get('/ticker', { schema: { summary: 'CoinMarketCap integration: ticker', tags, querystring: Type.Object({ venue: Venue }), response: { 200: Any } } },
    async (req) => Object.fromEntries((await listedMarkets(pool, venue(req.query.venue))).map((m) => [m.pair, {
      base_id: null, quote_id: null, last_price: m.last, base_volume: m.base_volume, quote_volume: m.quote_volume, isFrozen: m.active ? 0 : 1,
    }])));

  app.get('/orderbook/:market_pair', {
    schema: {
      summary: 'CoinMarketCap integration: order book', tags, params: Type.Object({ market_pair: Type.String({ description: 'BASE_QUOTE' }) }),
      querystring: Type.Object({ depth: Type.Integer({ minimum: 0, default: 0, description: '0 = full; else levels in total (half per side)' }), level: Type.Integer({ minimum: 1, maximum: 3, default: 3 }), venue: Venue }),
      response: { 200: Any, ...errors(400, 404) },
    },
  }, async (req) => {
    const m = await listedMarket(pool, venue(req.query.venue), req.params.market_pair);
    if (!m) throw notFound(`unknown market_pair "${req.params.market_pair}"`);
    if (req.query.level === 2) throw badRequest('level', 'level 2 (aggregated) is not supported; use 1 (best bid/ask) or 3 (full)');
    const per = req.query.level === 1 ? 1 : Math.floor(req.query.depth / 2);
    return { timestamp: m.book_time, bids: levels(m.bids, per), asks: levels(m.asks, per) };
  });

  app.get('/trades/:market_pair', {
    schema: {
      summary: 'CoinMarketCap integration: recent trades', tags, params: Type.Object({ market_pair: Type.String() }),
      querystring: Type.Object({ venue: Venue }), response: { 200: Any, ...errors(404) },
    },
  }, async (req) => {
    const m = await listedMarket(pool, venue(req.query.venue), req.params.market_pair);
    if (!m) throw notFound(`unknown market_pair "${req.params.market_pair}"`);
    return (await recentTrades(pool, m.pk, { limit: 500 })).map((t) => ({ trade_id: t.trade_id, price: t.price, base_volume: t.base_volume, quote_volume: t.quote_volume, timestamp: t.time, type: t.type }));
  });
};
