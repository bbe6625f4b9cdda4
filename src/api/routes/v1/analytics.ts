// /v1 analytics: aggregated prices in any currency, 24 h statistics, rankings, trending,
// order books and liquidity, metric-series history, and token charts. Everything here is
// read from what the analytics jobs stored; before their first run the answer is 503 with
// Retry-After, never an empty placeholder.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { bookLiquidity } from '../../../analytics/liquidity.js';
import { metricFigures, metricHistory } from '../../../analytics/metrics.js';
import { assetPrices, assetStats, converter, lastComputed, marketStats, type Converter } from '../../../analytics/read.js';
import { primaryMarket, resolveToken, tokenChart } from '../../../analytics/tokens.js';
import { cacheHeaders } from '../../caching.js';
import { badRequest, errorBody, HttpError, notFound } from '../../errors.js';
import { findMarket, labelsParam, timeRange } from '../../params.js';
import { errors, Limit, MarketParams, Nullable, TimeParam } from '../../schemas.js';
import type { ApiContext } from '../../app.js';

const N = Nullable(Type.Number());

const PriceBody = Type.Object({
  asset: Type.String(),
  vs: Type.String(),
  price: Type.Number({ description: 'Aggregated price in the vs currency' }),
  price_usd: Type.Number(),
  time: Type.Integer({ description: 'Epoch ms of the newest data used' }),
  confidence: Type.Number({ description: '0..1: share of fresh volume used × agreement of the venues × breadth (see README)' }),
  computed_at: Type.Integer(),
  venues: Type.Array(Type.Object({ market: Type.String(), price: Type.Number({ description: 'In the market\'s quote' }), price_usd: Type.Number(), volume_usd: Type.Number({ description: 'USD volume in the price window' }), last_at: Type.Integer() })),
  excluded: Type.Array(Type.Object({ market: Type.String(), reason: Type.String({ description: 'stale or outlier' }), price_usd: Type.Number(), deviation: Type.Optional(Type.Number({ description: 'Fraction off the cross-venue median' })), last_at: Type.Integer() })),
});

const AssetStatsBody = Type.Object({
  asset: Type.String(), name: Nullable(Type.String()), vs: Type.String(), computed_at: Type.Integer(),
  price: N, open: N, high: N, low: N, change: N, change_pct: N, change_1h_pct: N, change_7d_pct: N, change_30d_pct: N,
  volume: N, volume_usd: N, base_volume: N, trades: Nullable(Type.Integer()), vwap: N, volatility: N, volume_1h_usd: N, trend_score: N,
  markets: Type.Array(Type.Object({
    market: Type.String(), venue: Type.String(), quote: Type.String(), last: N, open: N, high: N, low: N, change: N, change_pct: N,
    base_volume: N, quote_volume: N, usd_volume: N, trades: Nullable(Type.Integer()), vwap: N, last_usd: N,
    change_1h_pct: N, change_7d_pct: N, change_30d_pct: N, volatility: N, trend_score: N,
  })),
});

const RankItem = Type.Object({
  rank: Type.Integer(), kind: Type.String(), id: Type.String(), name: Nullable(Type.String()),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())), value: N,
  volume_usd: N, change_pct: N, volatility: N, trend_score: N,
});

const Level = Type.Array(Type.Number(), { description: '[price, amount]' });

export const analyticsRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const { pool } = ctx;
  const cfg = ctx.config.analytics;
  const maxLimit = ctx.config.server.maxLimit;
  cacheHeaders(app, Math.max(1, Math.round(cfg.every / 1000)));

  /** 503 + Retry-After until the first analytics run has stored its results. */
  async function computed(reply: FastifyReply): Promise<number> {
    const t = await lastComputed(pool);
    if (t === null) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(cfg.every / 1000))));
      throw new HttpError(503, 'analytics have not been computed yet (the first run follows the start); retry after the Retry-After seconds');
    }
    return t;
  }

  function vsParam(conv: Converter, vs: string): string {
    const v = vs.toLowerCase();
    if (conv.usdPer(v) === undefined) throw badRequest('vs', `Wick cannot price "${vs}"; supported: ${conv.supported.slice(0, 30).join(', ')}${conv.supported.length > 30 ? ', …' : ''}`);
    return v;
  }

  async function knownAsset(asset: string): Promise<string> {
    const id = asset.toUpperCase();
    const r = await pool.query('SELECT 1 FROM assets WHERE id = $1', [id]);
    if (r.rowCount === 0) throw notFound(`unknown asset "${asset}"`);
    return id;
  }

  app.get('/assets/:asset/price', {
    schema: {
      summary: 'Aggregated price of an asset across venues',
      description: 'Volume-weighted over the price window across every venue trading the asset; stale venues and venues off the cross-venue median by more than the band are excluded and listed.',
      tags: ['analytics'],
      params: Type.Object({ asset: Type.String() }),
      querystring: Type.Object({ vs: Type.String({ default: 'usd', description: 'usd, a configured fiat, or any asset Wick prices (btc, eth, …)' }) }),
      response: { 200: PriceBody, ...errors(400, 404, 503) },
    },
  }, async (req, reply) => {
    await computed(reply);
    const asset = await knownAsset(req.params.asset);
    const conv = await converter(pool, cfg);
    const vs = vsParam(conv, req.query.vs);
    const [p] = await assetPrices(pool, [asset]);
    if (!p) throw notFound(`no price for ${asset}: no venue with fresh data prices it in a currency Wick can convert`);
    return { ...p, vs, price: conv.convert(p.price_usd, vs)! };
  });

  app.get('/prices', {
    schema: {
      summary: 'Aggregated prices of several assets in several currencies',
      tags: ['analytics'],
      querystring: Type.Object({
        assets: Type.Optional(Type.String({ description: 'Comma-separated asset codes; all priced assets when absent' })),
        vs: Type.String({ default: 'usd', description: 'Comma-separated currencies' }),
      }),
      response: {
        200: Type.Object({
          vs: Type.Array(Type.String()),
          prices: Type.Record(Type.String(), Type.Record(Type.String(), Type.Number()), { description: 'asset → {time, confidence, <vs>: price, …}' }),
          missing: Type.Array(Type.String({ description: 'Requested assets Wick has no price for' })),
        }),
        ...errors(400, 503),
      },
    },
  }, async (req, reply) => {
    await computed(reply);
    const conv = await converter(pool, cfg);
    const vs = [...new Set(req.query.vs.split(',').map((v) => v.trim()).filter(Boolean))].map((v) => vsParam(conv, v));
    if (vs.length === 0) throw badRequest('vs', 'name at least one currency');
    const wanted = req.query.assets ? [...new Set(req.query.assets.split(',').map((a) => a.trim().toUpperCase()).filter(Boolean))] : null;
    const rows = await assetPrices(pool, wanted);
    const prices: Record<string, Record<string, number>> = {};
    for (const p of rows) prices[p.asset] = { time: p.time, confidence: p.confidence, ...Object.fromEntries(vs.map((v) => [v, conv.convert(p.price_usd, v)!])) };
    return { vs, prices, missing: (wanted ?? []).filter((a) => !prices[a]) };
  });

  app.get('/assets/:asset/stats', {
    schema: {
      summary: '24 h statistics of an asset over all its markets',
      description: 'Volumes add up over every market with a convertible quote; price-relative figures are the USD-volume-weighted mean over the venues behind the aggregated price. Each market\'s own statistics are listed.',
      tags: ['analytics'],
      params: Type.Object({ asset: Type.String() }),
      querystring: Type.Object({ vs: Type.String({ default: 'usd' }) }),
      response: { 200: AssetStatsBody, ...errors(400, 404, 503) },
    },
  }, async (req, reply) => {
    await computed(reply);
    const asset = await knownAsset(req.params.asset);
    const conv = await converter(pool, cfg);
    const vs = vsParam(conv, req.query.vs);
    const [s] = await assetStats(pool, [asset]);
    if (!s) throw notFound(`no statistics for ${asset}: it has no price yet (no fresh market in a convertible quote)`);
    const c = (x: number | null) => conv.convert(x, vs);
    const markets = await marketStats(pool, { base: asset });
    return {
      asset, name: s.name, vs, computed_at: s.computed_at,
      price: c(s.price_usd), open: c(s.open_usd), high: c(s.high_usd), low: c(s.low_usd), change: c(s.change_usd),
      change_pct: s.change_pct, change_1h_pct: s.change_1h_pct, change_7d_pct: s.change_7d_pct, change_30d_pct: s.change_30d_pct,
      volume: c(s.volume_usd), volume_usd: s.volume_usd, base_volume: s.base_volume, trades: s.trades, vwap: c(s.vwap_usd),
      volatility: s.volatility, volume_1h_usd: s.volume_1h_usd, trend_score: s.trend_score,
      markets,
    };
  });

  const byValue = { volume: 'volume_usd', change: 'change_pct', volatility: 'volatility' } as const;

  async function rankItems(kind: 'market' | 'asset' | 'metric', name: string | undefined) {
    if (kind === 'market') {
      return (await marketStats(pool)).map((m) => ({ kind, id: m.market, name: null, volume_usd: m.usd_volume, change_pct: m.change_pct, volatility: m.volatility, trend_score: m.trend_score }));
    }
    if (kind === 'asset') {
      return (await assetStats(pool, null)).map((a) => ({ kind, id: a.asset, name: a.name, volume_usd: a.volume_usd, change_pct: a.change_pct, volatility: a.volatility, trend_score: a.trend_score }));
    }
    // a metric series' "volume" is its latest value (e.g. a pair's tracked volume)
    return (await metricFigures(pool, name ?? null)).map((m) => ({
      kind, id: `${m.name}${Object.keys(m.labels).length ? JSON.stringify(m.labels) : ''}`, name: m.name, labels: m.labels,
      volume_usd: m.value, change_pct: m.change_pct, volatility: m.volatility, trend_score: m.trend_score,
    }));
  }

  const Kind = Type.Union([Type.Literal('market'), Type.Literal('asset'), Type.Literal('metric')], { default: 'asset' });

  app.get('/rankings', {
    schema: {
      summary: 'Markets, assets or metric series ranked by USD volume, % change or volatility',
      description: 'volume: 24 h USD volume (metric series: latest value); change: 24 h % change; volatility: standard deviation of hourly log returns over the volatility window (metric series: of point-to-point returns over 24 h).',
      tags: ['analytics'],
      querystring: Type.Object({
        by: Type.Union([Type.Literal('volume'), Type.Literal('change'), Type.Literal('volatility')], { default: 'volume' }),
        kind: Kind,
        order: Type.Union([Type.Literal('desc'), Type.Literal('asc')], { default: 'desc' }),
        name: Type.Optional(Type.String({ description: 'kind=metric: only series of this name' })),
        limit: Limit(100, maxLimit),
      }),
      response: { 200: Type.Object({ by: Type.String(), kind: Type.String(), items: Type.Array(RankItem) }), ...errors(400, 503) },
    },
  }, async (req, reply) => {
    const q = req.query;
    if (q.kind !== 'metric') await computed(reply);
    const key = byValue[q.by];
    const dir = q.order === 'asc' ? 1 : -1;
    const items = (await rankItems(q.kind, q.name)).filter((i) => i[key] !== null)
      .sort((a, b) => dir * (a[key]! - b[key]!) || a.id.localeCompare(b.id))
      .slice(0, q.limit)
      .map((i, n) => ({ rank: n + 1, ...i, value: i[key] }));
    return { by: q.by, kind: q.kind, items };
  });

  app.get('/trending', {
    schema: {
      summary: 'What is most active against its own baseline',
      description: 'score = last-hour USD volume ÷ the 7-day hourly average (metric series: last-hour mean ÷ 7-day mean). A score of 3 means three times the usual activity.',
      tags: ['analytics'],
      querystring: Type.Object({ kind: Kind, name: Type.Optional(Type.String()), limit: Limit(20, maxLimit) }),
      response: { 200: Type.Object({ kind: Type.String(), items: Type.Array(RankItem) }), ...errors(400, 503) },
    },
  }, async (req, reply) => {
    const q = req.query;
    if (q.kind !== 'metric') await computed(reply);
    const items = (await rankItems(q.kind, q.name)).filter((i) => i.trend_score !== null)
      .sort((a, b) => b.trend_score! - a.trend_score! || a.id.localeCompare(b.id))
      .slice(0, q.limit)
      .map((i, n) => ({ rank: n + 1, ...i, value: i.trend_score }));
    return { kind: q.kind, items };
  });

  app.get('/markets/:market/orderbook', {
    schema: {
      summary: 'The latest stored order-book snapshot of a market',
      tags: ['markets'],
      params: MarketParams,
      querystring: Type.Object({ depth: Type.Integer({ minimum: 1, maximum: 5000, default: 100, description: 'Levels per side' }) }),
      response: {
        200: Type.Object({ market: Type.String(), time: Type.Integer(), bids: Type.Array(Level), asks: Type.Array(Level), mid: N, spread_pct: N }),
        ...errors(400, 404),
      },
    },
  }, async (req) => {
    const market = await findMarket(pool, req.params.market);
    const r = await pool.query<{ time: number; bids: Array<[string, string]>; asks: Array<[string, string]> }>(
      `SELECT (extract(epoch FROM ts) * 1000)::int8 AS time, bids, asks FROM orderbook_snapshots WHERE market_pk = $1 ORDER BY ts DESC LIMIT 1`, [market.pk]);
    const b = r.rows[0];
    if (!b) throw notFound(`no order book stored for ${market.id} (enable orderbook on its source)`);
    const l = bookLiquidity(b.bids, b.asks, cfg.depthBand, null);
    const num = (lv: Array<[string, string]>) => lv.slice(0, req.query.depth).map(([p, a]) => [Number(p), Number(a)]);
    return { market: market.id, time: b.time, bids: num(b.bids), asks: num(b.asks), mid: l?.mid ?? null, spread_pct: l?.spread_pct ?? null };
  });

  const LiqRow = Type.Object({
    time: Type.Integer(), bucket: Type.String({ description: 'hour, or day (the mean of that day\'s hourly samples)' }), samples: Type.Integer(),
    mid: Type.Number(), spread_pct: Type.Number(), depth_bid_usd: N, depth_ask_usd: N, cost_up_usd: N, cost_down_usd: N,
  });

  app.get('/markets/:market/liquidity', {
    schema: {
      summary: 'Order-book liquidity of a market: now and its history',
      description: 'Depth within ±band (default 2 %) of the mid price in USD per side, spread %, and the USD cost to move the price up/down by the band. History: hourly samples for the last day, daily averages before.',
      tags: ['analytics'],
      params: MarketParams,
      querystring: Type.Object({ from: Type.Optional(TimeParam('Earliest sample (inclusive)')), to: Type.Optional(TimeParam('End (exclusive)')), limit: Limit(1000, maxLimit) }),
      response: {
        200: Type.Object({
          market: Type.String(), band_pct: Type.Number(),
          current: Nullable(Type.Object({ time: Type.Integer(), mid: Type.Number(), spread_pct: Type.Number(), depth_bid_usd: N, depth_ask_usd: N, cost_up_usd: N, cost_down_usd: N })),
          history: Type.Array(LiqRow),
        }),
        ...errors(400, 404),
      },
    },
  }, async (req) => {
    const { from, to } = timeRange(req.query.from, req.query.to);
    const market = await findMarket(pool, req.params.market);
    const [book, hist, conv] = await Promise.all([
      pool.query<{ time: number; bids: Array<[string, string]>; asks: Array<[string, string]> }>(
        `SELECT (extract(epoch FROM ts) * 1000)::int8 AS time, bids, asks FROM orderbook_snapshots WHERE market_pk = $1 ORDER BY ts DESC LIMIT 1`, [market.pk]),
      pool.query(
        `SELECT (extract(epoch FROM ts) * 1000)::int8 AS time, bucket, samples, mid::float8 AS mid, spread_pct::float8 AS spread_pct,
           depth_bid_usd::float8 AS depth_bid_usd, depth_ask_usd::float8 AS depth_ask_usd, cost_up_usd::float8 AS cost_up_usd, cost_down_usd::float8 AS cost_down_usd
         FROM liquidity_history WHERE market_pk = $1 AND ($2::timestamptz IS NULL OR ts >= $2) AND ($3::timestamptz IS NULL OR ts < $3)
         ORDER BY ts LIMIT $4`,
        [market.pk, from === undefined ? null : new Date(from), to === undefined ? null : new Date(to), req.query.limit]),
      converter(pool, cfg),
    ]);
    const b = book.rows[0];
    const l = b ? bookLiquidity(b.bids, b.asks, cfg.depthBand, conv.usdPer(market.quote) ?? null) : null;
    return { market: market.id, band_pct: cfg.depthBand * 100, current: b && l ? { time: b.time, ...l } : null, history: hist.rows };
  });

  app.get('/metrics/:name/history', {
    schema: {
      summary: 'The last 24 h of one metric series and its rank among series of the same name',
      description: 'rank 1 = the largest latest value among all series with this name (e.g. the pair with the most tracked volume).',
      tags: ['analytics'],
      params: Type.Object({ name: Type.String() }),
      querystring: Type.Object({ labels: Type.Optional(Type.String({ description: 'The series\' labels: JSON ({"pair":"ETH-USDC"}) or pair:ETH-USDC,chain:eth' })) }),
      response: {
        200: Type.Object({ name: Type.String(), labels: Type.Record(Type.String(), Type.String()), value: N, rank: Nullable(Type.Integer()), peers: Type.Integer(), points: Type.Array(Type.Array(Type.Number(), { description: '[time, value]' })) }),
        ...errors(400, 404),
      },
    },
  }, async (req) => {
    const labels = labelsParam(req.query.labels);
    const h = await metricHistory(pool, req.params.name, labels);
    if (!h) throw notFound(`no metric series "${req.params.name}" with labels ${JSON.stringify(labels)}`);
    return h;
  });

  const Candidate = Type.Object({ id: Type.String(), symbol: Type.String(), name: Nullable(Type.String()), addresses: Type.Array(Type.Object({ platform: Type.String(), address: Type.String() })) });

  app.get('/tokens/:token/chart', {
    schema: {
      summary: 'Price chart of a token by contract address, symbol or name',
      description: 'Rows [time, open, high, low, close] of the token\'s most traded market (or the one in `quote`), in buckets of `unit_hours`; `volume=true` appends the base volume, `usd=true` the USD close. 404 for an unknown token, 409 (listing the candidates) when several tokens match.',
      tags: ['analytics'],
      params: Type.Object({ token: Type.String({ description: 'Contract address, symbol or name' }) }),
      querystring: Type.Object({
        unit_hours: Type.Integer({ minimum: 1, maximum: 8784, default: 4 }),
        from: Type.Optional(TimeParam('Earliest bucket (inclusive)')),
        to: Type.Optional(TimeParam('End (exclusive)')),
        quote: Type.Optional(Type.String({ description: 'Use the market in this quote asset' })),
        volume: Type.Boolean({ default: false }),
        usd: Type.Boolean({ default: false }),
        limit: Limit(500, maxLimit),
      }),
      response: {
        200: Type.Object({ token: Candidate, market: Type.String(), quote: Type.String(), unit_hours: Type.Integer(), columns: Type.Array(Type.String()), data: Type.Array(Type.Array(Nullable(Type.Number()))) }),
        409: Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String(), candidates: Type.Array(Candidate) }),
        ...errors(400, 404),
      },
    },
  }, async (req, reply) => {
    const q = req.query;
    const { from, to } = timeRange(q.from, q.to);
    const r = await resolveToken(pool, req.params.token);
    if (r.kind === 'none') throw notFound(`unknown token "${req.params.token}" (no asset with that contract address, symbol or name)`);
    if (r.kind === 'many') {
      return reply.code(409).send({ ...errorBody(409, `"${req.params.token}" matches ${r.candidates.length} tokens: ${r.candidates.map((c) => c.id).join(', ')}; use a contract address or an asset id`), candidates: r.candidates });
    }
    const market = await primaryMarket(pool, r.asset.id, q.quote?.toUpperCase());
    if (!market) throw notFound(`no chart for ${r.asset.id}${q.quote ? ` in ${q.quote.toUpperCase()}` : ''}: no market with candles`);
    const conv = await converter(pool, cfg);
    const data = await tokenChart(pool, market, conv, { resolution: q.unit_hours * 3600, from, to, limit: q.limit, volume: q.volume, usd: q.usd });
    const columns = ['time', 'open', 'high', 'low', 'close', ...(q.volume ? ['volume'] : []), ...(q.usd ? ['close_usd'] : [])];
    return { token: r.asset, market: market.id, quote: market.quote, unit_hours: q.unit_hours, columns, data };
  });
};
