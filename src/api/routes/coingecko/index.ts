// CoinGecko API v3-compatible routes under /coingecko/api/v3, so an existing CoinGecko client
// pointed at Wick works unchanged. Shapes follow CoinGecko's OpenAPI document; errors are
// CoinGecko's {"error": "..."}; fields Wick cannot know are null.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import { Type } from 'typebox';
import { marketStats } from '../../../analytics/read.js';
import { primaryMarket, tokenChart } from '../../../analytics/tokens.js';
import { cacheHeaders } from '../../caching.js';
import type { ApiContext } from '../../app.js';
import { CgError, cgTickers, changeFor, coinIdOf, findCoin, loadCoins, marketRow, rounder, selectCoins, snapshotCache, sparkline, statsByAsset, vsConverter, type Ctx } from './data.js';

const Precision = Type.Optional(Type.String({ description: 'full, or 0..18 decimal places' }));
const Bool = (d = false) => Type.Boolean({ default: d });
const Any = Type.Unknown({ description: 'CoinGecko v3 shape (see CoinGecko\'s API reference)' });
const resp = { 200: Any };
const tags = ['coingecko'];

const DAY = 86_400_000;

/** CoinGecko's automatic granularity of market_chart: 5-minutely up to 1 day, hourly to 90 days, daily beyond. */
export function chartResolution(spanMs: number, interval?: string): number {
  if (interval === 'daily') return 86400;
  if (interval === 'hourly') return 3600;
  if (spanMs <= DAY) return 300;
  if (spanMs <= 90 * DAY) return 3600;
  return 86400;
}

/** CoinGecko's OHLC candle size: 30 minutes for 1–2 days, 4 hours for 3–30 days, 4 days beyond. */
export function ohlcResolution(days: number): number {
  if (days <= 2) return 1800;
  if (days <= 30) return 14400;
  return 4 * 86400;
}

export const coingeckoRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const c: Ctx = { pool: ctx.pool, cfg: ctx.config.analytics };
  const { pool } = c;
  cacheHeaders(app, Math.max(1, Math.round(c.cfg.every / 1000)));
  const snapshots = snapshotCache(c, (e) => app.log.warn({ err: (e as Error).message }, 'coingecko snapshot refresh failed'));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof CgError) return reply.status(err.statusCode).send({ error: err.message });
    if (err.validation) return reply.status(400).send({ error: err.message.replace(/^querystring\//, '') });
    if ((err.statusCode ?? 500) < 500) return reply.status(err.statusCode!).send({ error: err.message });
    req.log.error({ err }, 'coingecko route failed');
    return reply.status(500).send({ error: 'internal error' });
  });

  /** Market data needs a finished analytics run; before it: 503 + Retry-After. */
  async function ready(reply: { header(k: string, v: string): unknown }) {
    const snap = await snapshots.get();
    if (snap.computedAt === null) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(c.cfg.every / 1000))));
      throw new CgError(503, 'market data is being computed; retry shortly');
    }
    return snap;
  }

  const vsCheck = (snap: { conv: { usdPer(v: string): number | undefined } }, vs: string[]) => {
    for (const v of vs) if (snap.conv.usdPer(v) === undefined) throw new CgError(400, 'invalid vs_currency');
  };

  const vsList = (s: string) => [...new Set(s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))];

  app.get('/ping', { schema: { tags, response: resp } }, async () => ({ gecko_says: '(V3) To the Moon!' }));

  app.get('/simple/supported_vs_currencies', { schema: { tags, response: resp } }, async () => (await vsConverter(c, [])).supported);

  const SimpleFlags = {
    include_market_cap: Bool(), include_24hr_vol: Bool(), include_24hr_change: Bool(), include_last_updated_at: Bool(), precision: Precision,
  };

  async function simplePrices(snap: Awaited<ReturnType<typeof ready>>, keyed: Array<[string, string]>, q: { vs_currencies: string; include_market_cap: boolean; include_24hr_vol: boolean; include_24hr_change: boolean; include_last_updated_at: boolean; precision?: string }) {
    const vs = vsList(q.vs_currencies);
    vsCheck(snap, vs);
    const { conv, stats } = snap;
    const round = rounder(q.precision);
    const out: Record<string, Record<string, number | null>> = {};
    for (const [key, asset] of keyed) {
      const s = stats.get(asset);
      if (!s || s.price_usd === null) continue;
      const o: Record<string, number | null> = {};
      for (const v of vs) {
        o[v] = round(conv.convert(s.price_usd, v));
        if (q.include_market_cap) o[`${v}_market_cap`] = null;
        if (q.include_24hr_vol) o[`${v}_24h_vol`] = conv.convert(s.volume_usd, v);
        if (q.include_24hr_change) o[`${v}_24h_change`] = s.change_pct;
      }
      if (q.include_last_updated_at) o.last_updated_at = Math.floor(s.computed_at / 1000);
      out[key] = o;
    }
    return out;
  }

  app.get('/simple/price', {
    schema: {
      tags, response: resp,
      querystring: Type.Object({ vs_currencies: Type.String(), ids: Type.Optional(Type.String()), names: Type.Optional(Type.String()), symbols: Type.Optional(Type.String()), include_tokens: Type.Optional(Type.String()), ...SimpleFlags }),
    },
  }, async (req, reply) => {
    const snap = await ready(reply);
    const picked = selectCoins(snap.coins, req.query);
    if (picked === null) throw new CgError(400, 'Missing parameter ids');
    // names and symbols key the answer by what was asked, as CoinGecko does
    const key = req.query.ids ? 'id' : req.query.names ? 'name' : 'symbol';
    return simplePrices(snap, picked.map((p) => [key === 'id' ? p.id : key === 'name' ? p.name : p.symbol, p.asset]), req.query);
  });

  app.get('/simple/token_price/:id', {
    schema: {
      tags, response: resp,
      params: Type.Object({ id: Type.String({ description: 'Asset platform, e.g. ethereum' }) }),
      querystring: Type.Object({ contract_addresses: Type.String(), vs_currencies: Type.String(), ...SimpleFlags }),
    },
  }, async (req, reply) => {
    const snap = await ready(reply);
    const wanted = vsList(req.query.contract_addresses);
    const r = await pool.query<{ address: string; asset_id: string }>(
      `SELECT lower(address) AS address, asset_id FROM asset_addresses WHERE platform = $1 AND lower(address) = ANY($2)`, [req.params.id, wanted]);
    return simplePrices(snap, r.rows.map((x) => [x.address, x.asset_id]), req.query);
  });

  app.get('/coins/list', {
    schema: { tags, response: resp, querystring: Type.Object({ include_platform: Bool(), status: Type.Optional(Type.String()) }) },
  }, async (req) => (await loadCoins(pool)).map((x) => ({ id: x.id, symbol: x.symbol, name: x.name, ...(req.query.include_platform ? { platforms: x.platforms } : {}) })));

  app.get('/coins/markets', {
    schema: {
      tags, response: resp,
      querystring: Type.Object({
        vs_currency: Type.String(), ids: Type.Optional(Type.String()), names: Type.Optional(Type.String()), symbols: Type.Optional(Type.String()),
        include_tokens: Type.Optional(Type.String()), category: Type.Optional(Type.String()),
        order: Type.Union(['market_cap_asc', 'market_cap_desc', 'volume_asc', 'volume_desc', 'id_asc', 'id_desc'].map((o) => Type.Literal(o)), { default: 'market_cap_desc' }),
        per_page: Type.Integer({ minimum: 1, maximum: 250, default: 100 }), page: Type.Integer({ minimum: 1, default: 1 }),
        sparkline: Bool(), price_change_percentage: Type.Optional(Type.String()), locale: Type.Optional(Type.String()), precision: Precision,
        include_rehypothecated: Bool(),
      }),
    },
  }, async (req, reply) => {
    const snap = await ready(reply);
    const q = req.query;
    const vs = q.vs_currency.toLowerCase();
    vsCheck(snap, [vs]);
    const { conv, stats } = snap;
    const coins = (selectCoins(snap.coins, q) ?? snap.coins).filter((x) => stats.has(x.asset));
    if (q.category) return [];
    const vol = (x: { asset: string }) => stats.get(x.asset)?.volume_usd ?? -1;
    // market caps are unknown to Wick: market_cap orders fall back to volume, the next-best size measure
    const order = q.order as string;
    const dir = order.endsWith('_asc') ? 1 : -1;
    coins.sort(order.startsWith('id') ? (a, b) => dir * a.id.localeCompare(b.id) : (a, b) => dir * (vol(a) - vol(b)) || a.id.localeCompare(b.id));
    const pageCoins = coins.slice((q.page - 1) * q.per_page, q.page * q.per_page);
    const tfs = (q.price_change_percentage ?? '').split(',').map((x) => x.trim()).filter((x) => ['1h', '24h', '7d', '14d', '30d', '200d', '1y'].includes(x));
    const round = rounder(q.precision);
    return Promise.all(pageCoins.map(async (x) => {
      const s = stats.get(x.asset);
      return {
        ...marketRow(x, s, conv, vs, round),
        ...(q.include_rehypothecated ? { market_cap_rank_with_rehypothecated: null } : {}),
        ...(q.sparkline ? { sparkline_in_7d: { price: await sparkline(pool, x.asset, conv, vs) } } : {}),
        ...Object.fromEntries(tfs.map((tf) => [`price_change_percentage_${tf}_in_currency`, changeFor(s, tf)])),
      };
    }));
  });

  app.get('/coins/:id', {
    schema: {
      tags, response: resp, params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ localization: Bool(true), tickers: Bool(true), market_data: Bool(true), community_data: Bool(true), developer_data: Bool(true), sparkline: Bool(), include_categories_details: Bool(), dex_pair_format: Type.Optional(Type.String()) }),
    },
  }, async (req, reply) => {
    const coin = await findCoin(pool, req.params.id);
    const q = req.query;
    if (q.market_data || q.tickers) await ready(reply);
    const conv = await vsConverter(c, []);
    const s = (await statsByAsset(pool)).get(coin.asset);
    // per-currency maps leave out what Wick cannot compute, as CoinGecko's do
    const all = (usd: number | null | undefined) => Object.fromEntries(conv.supported.map((v) => [v, conv.convert(usd ?? null, v)]).filter(([, x]) => x !== null));
    const pct = (tf: string) => changeFor(s, tf);
    const pctAll = (tf: string) => (pct(tf) === null ? {} : Object.fromEntries(conv.supported.map((v) => [v, pct(tf)])));
    const market_data = q.market_data ? {
      current_price: all(s?.price_usd), total_value_locked: null, mcap_to_tvl_ratio: null, fdv_to_tvl_ratio: null, roi: null,
      ath: {}, ath_change_percentage: {}, ath_date: {}, atl: {}, atl_change_percentage: {}, atl_date: {},
      market_cap: {}, fully_diluted_valuation: {}, market_cap_fdv_ratio: null, market_cap_rank: null,
      total_volume: all(s?.volume_usd), high_24h: all(s?.high_usd), low_24h: all(s?.low_usd),
      price_change_24h: s?.change_usd ?? null, price_change_percentage_24h: pct('24h'), price_change_percentage_7d: pct('7d'),
      price_change_percentage_14d: null, price_change_percentage_30d: pct('30d'), price_change_percentage_60d: null,
      price_change_percentage_200d: null, price_change_percentage_1y: null, market_cap_change_24h: null, market_cap_change_percentage_24h: null,
      price_change_24h_in_currency: all(s?.change_usd), price_change_percentage_1h_in_currency: pctAll('1h'),
      price_change_percentage_24h_in_currency: pctAll('24h'),
      price_change_percentage_7d_in_currency: pctAll('7d'),
      price_change_percentage_30d_in_currency: pctAll('30d'),
      total_supply: null, max_supply: null, circulating_supply: null,
      last_updated: s ? new Date(s.computed_at).toISOString() : null,
      ...(q.sparkline ? { sparkline_7d: await sparkline(pool, coin.asset, conv, 'usd') } : {}),
    } : undefined;
    return {
      id: coin.id, symbol: coin.symbol, name: coin.name, web_slug: coin.id, asset_platform_id: null,
      platforms: coin.platforms, detail_platforms: Object.fromEntries(Object.entries(coin.platforms).map(([p, a]) => [p, { decimal_place: null, contract_address: a }])),
      block_time_in_minutes: null, hashing_algorithm: null, categories: [], preview_listing: false, public_notice: null, additional_notices: [],
      has_supply_breakdown: false, ...(q.localization ? { localization: {} } : {}), description: {}, links: {}, image: null, country_origin: null,
      genesis_date: null, sentiment_votes_up_percentage: null, sentiment_votes_down_percentage: null, watchlist_portfolio_users: null,
      market_cap_rank: null, market_cap_rank_with_rehypothecated: null,
      ...(market_data ? { market_data } : {}),
      ...(q.community_data ? { community_data: { facebook_likes: null, reddit_average_posts_48h: null, reddit_average_comments_48h: null, reddit_subscribers: null, reddit_accounts_active_48h: null, telegram_channel_user_count: null } } : {}),
      ...(q.developer_data ? { developer_data: { forks: null, stars: null, subscribers: null, total_issues: null, closed_issues: null, pull_requests_merged: null, pull_request_contributors: null, code_additions_deletions_4_weeks: { additions: null, deletions: null }, commit_count_4_weeks: null, last_4_weeks_commit_activity_series: [] } } : {}),
      status_updates: [], last_updated: s ? new Date(s.computed_at).toISOString() : null,
      ...(q.tickers ? { tickers: await cgTickers(c, await marketStats(pool, { base: coin.asset }), conv, false) } : {}),
    };
  });

  app.get('/coins/:id/tickers', {
    schema: {
      tags, response: resp, params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ exchange_ids: Type.Optional(Type.String()), include_exchange_logo: Bool(), page: Type.Integer({ minimum: 1, default: 1 }), order: Type.Optional(Type.String()), depth: Bool(), dex_pair_format: Type.Optional(Type.String()) }),
    },
  }, async (req, reply) => {
    const coin = await findCoin(pool, req.params.id);
    await ready(reply);
    const ex = vsList(req.query.exchange_ids ?? '');
    const rows = (await marketStats(pool, { base: coin.asset })).filter((r) => ex.length === 0 || ex.includes(r.venue));
    const conv = await vsConverter(c, []);
    return { name: coin.name, tickers: await cgTickers(c, rows.slice((req.query.page - 1) * 100, req.query.page * 100), conv, req.query.depth) };
  });

  /** [t, price], [t, volume] in `vs` from the coin's main market, at `resolution` seconds over [from, to). */
  async function chart(asset: string, vs: string, from: number, to: number, resolution: number, round: (x: number | null) => number | null) {
    const conv = await vsConverter(c, [vs]);
    const m = await primaryMarket(pool, asset);
    if (!m) return { prices: [], market_caps: [], total_volumes: [] };
    const rows = await tokenChart(pool, m, conv, { resolution, from, to, limit: 100_000, volume: true, usd: true });
    const usable = rows.filter((r) => r[6] !== null) as number[][];
    return {
      prices: usable.map((r) => [r[0], round(conv.convert(r[6], vs))!]),
      market_caps: [],
      total_volumes: usable.map((r) => [r[0], conv.convert(r[5] * r[6], vs)!]),
    };
  }

  const daysParam = (d: string, now: number): number => {
    if (d === 'max') return now;
    const n = Number(d);
    if (!Number.isFinite(n) || n <= 0) throw new CgError(400, 'invalid days');
    return n * DAY;
  };

  app.get('/coins/:id/market_chart', {
    schema: {
      tags, response: resp, params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ vs_currency: Type.String(), days: Type.String(), interval: Type.Optional(Type.Union([Type.Literal('hourly'), Type.Literal('daily')])), precision: Precision }),
    },
  }, async (req, reply) => {
    const coin = await findCoin(pool, req.params.id);
    await ready(reply);
    const now = Date.now();
    const span = daysParam(req.query.days, now);
    return chart(coin.asset, req.query.vs_currency.toLowerCase(), now - span, now, chartResolution(span, req.query.interval), rounder(req.query.precision));
  });

  app.get('/coins/:id/market_chart/range', {
    schema: {
      tags, response: resp, params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ vs_currency: Type.String(), from: Type.String({ description: 'UNIX seconds or ISO date' }), to: Type.String(), precision: Precision }),
    },
  }, async (req, reply) => {
    const coin = await findCoin(pool, req.params.id);
    await ready(reply);
    const t = (s: string) => (/^\d+(\.\d+)?$/.test(s) ? Number(s) * 1000 : Date.parse(s));
    const from = t(req.query.from);
    const to = t(req.query.to);
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) throw new CgError(400, 'invalid from/to');
    // granularity by how far back the range reaches, as CoinGecko does
    return chart(coin.asset, req.query.vs_currency.toLowerCase(), from, to, chartResolution(Date.now() - from), rounder(req.query.precision));
  });

  app.get('/coins/:id/ohlc', {
    schema: {
      tags, response: resp, params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ vs_currency: Type.String(), days: Type.Union(['1', '7', '14', '30', '90', '180', '365', 'max'].map((d) => Type.Literal(d))), precision: Precision }),
    },
  }, async (req, reply) => {
    const coin = await findCoin(pool, req.params.id);
    await ready(reply);
    const vs = req.query.vs_currency.toLowerCase();
    const conv = await vsConverter(c, [vs]);
    const now = Date.now();
    const span = daysParam(req.query.days, now);
    const resolution = ohlcResolution(span / DAY);
    const m = await primaryMarket(pool, coin.asset);
    if (!m) return [];
    const round = rounder(req.query.precision);
    const rows = await tokenChart(pool, m, conv, { resolution, from: now - span, to: now, limit: 100_000, volume: false, usd: true });
    // candles are stamped with their close time, like CoinGecko's; the quote's USD rate of each bucket converts all four prices
    return rows.filter((r) => r[5] !== null).map((r) => {
      const rate = (r[5] as number) / (r[4] as number);
      const f = (x: number | null) => round(conv.convert((x as number) * rate, vs))!;
      return [(r[0] as number) + resolution * 1000, f(r[1]), f(r[2]), f(r[3]), f(r[4])];
    });
  });

  app.get('/coins/:id/history', {
    schema: {
      tags, response: resp, params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ date: Type.String({ description: 'dd-mm-yyyy' }), localization: Bool(true) }),
    },
  }, async (req) => {
    const coin = await findCoin(pool, req.params.id);
    const m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(req.query.date);
    if (!m) throw new CgError(400, 'invalid date');
    const at = Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]));
    const conv = await vsConverter(c, []);
    const mk = await primaryMarket(pool, coin.asset);
    const rows = mk ? await tokenChart(pool, mk, conv, { resolution: 3600, from: at - DAY, to: at, limit: 24, volume: true, usd: true }) : [];
    const priced = rows.filter((r) => r[6] !== null) as number[][];
    const last = priced.at(-1);
    const vol = priced.reduce((s, r) => s + r[5] * r[6], 0);
    const all = (usd: number) => Object.fromEntries(conv.supported.map((v) => [v, conv.convert(usd, v)]));
    return {
      id: coin.id, symbol: coin.symbol, name: coin.name, ...(req.query.localization ? { localization: {} } : {}), image: null,
      ...(last ? { market_data: { current_price: all(last[6]), market_cap: {}, total_volume: all(vol) } } : {}),
      community_data: { facebook_likes: null, reddit_average_posts_48h: null, reddit_average_comments_48h: null, reddit_subscribers: null, reddit_accounts_active_48h: null },
      developer_data: { forks: null, stars: null, subscribers: null, total_issues: null, closed_issues: null, pull_requests_merged: null, pull_request_contributors: null, code_additions_deletions_4_weeks: { additions: null, deletions: null }, commit_count_4_weeks: null },
      public_interest_stats: { alexa_rank: null, bing_matches: null },
    };
  });

  async function exchangeRows() {
    const conv = await vsConverter(c, []);
    const r = await pool.query<{ id: string; name: string; usd: number | null; coins: number; pairs: number }>(
      `SELECT v.id, v.name, sum(s.usd_volume)::float8 AS usd, count(DISTINCT m.base_id)::int AS coins, count(m.id)::int AS pairs
       FROM venues v LEFT JOIN markets m ON m.venue_id = v.id LEFT JOIN market_stats s ON s.market_pk = m.pk
       GROUP BY v.id ORDER BY sum(s.usd_volume) DESC NULLS LAST, v.id`);
    return r.rows.map((v) => ({
      base: { id: v.id, name: v.name, year_established: null, country: null, description: null, url: null, image: null, has_trading_incentive: false, trust_score: null, trust_score_rank: null, trade_volume_24h_btc: conv.convert(v.usd ?? 0, 'btc') },
      coins: v.coins, pairs: v.pairs,
    }));
  }

  app.get('/exchanges', {
    schema: { tags, response: resp, querystring: Type.Object({ per_page: Type.Integer({ minimum: 1, maximum: 250, default: 100 }), page: Type.Integer({ minimum: 1, default: 1 }) }) },
  }, async (req, reply) => {
    await ready(reply);
    const { per_page, page } = req.query;
    return (await exchangeRows()).slice((page - 1) * per_page, page * per_page).map((x) => x.base);
  });

  app.get('/exchanges/:id', {
    schema: { tags, response: resp, params: Type.Object({ id: Type.String() }), querystring: Type.Object({ dex_pair_format: Type.Optional(Type.String()) }) },
  }, async (req, reply) => {
    await ready(reply);
    const ex = (await exchangeRows()).find((x) => x.base.id === req.params.id);
    if (!ex) throw new CgError(404, 'exchange not found');
    const { id: _id, ...rest } = ex.base;
    const conv = await vsConverter(c, []);
    const tickers = await cgTickers(c, (await marketStats(pool, { venue: ex.base.id })).slice(0, 100), conv, false);
    return {
      ...rest, facebook_url: null, reddit_url: null, telegram_url: null, slack_url: null, other_url_1: null, other_url_2: null, twitter_handle: null,
      centralized: null, public_notice: null, alert_notice: null, coins: ex.coins, pairs: ex.pairs, tickers, status_updates: [],
    };
  });

  app.get('/exchanges/:id/tickers', {
    schema: {
      tags, response: resp, params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ coin_ids: Type.Optional(Type.String()), include_exchange_logo: Bool(), page: Type.Integer({ minimum: 1, default: 1 }), depth: Bool(), order: Type.Optional(Type.String()), dex_pair_format: Type.Optional(Type.String()) }),
    },
  }, async (req, reply) => {
    const v = await pool.query<{ name: string }>('SELECT name FROM venues WHERE id = $1', [req.params.id]);
    if (!v.rows[0]) throw new CgError(404, 'exchange not found');
    await ready(reply);
    const coins = vsList(req.query.coin_ids ?? '');
    const rows = (await marketStats(pool, { venue: req.params.id })).filter((r) => coins.length === 0 || coins.includes(r.base.toLowerCase()));
    const conv = await vsConverter(c, []);
    return { name: v.rows[0].name, tickers: await cgTickers(c, rows.slice((req.query.page - 1) * 100, req.query.page * 100), conv, req.query.depth) };
  });

  app.get('/search', {
    schema: { tags, response: resp, querystring: Type.Object({ query: Type.String() }) },
  }, async (req) => {
    const q = req.query.query.trim().toLowerCase();
    const stats = await statsByAsset(pool);
    const coins = (await loadCoins(pool)).filter((x) => x.id.includes(q) || x.name.toLowerCase().includes(q) || x.symbol.includes(q))
      .sort((a, b) => (stats.get(b.asset)?.volume_usd ?? -1) - (stats.get(a.asset)?.volume_usd ?? -1) || a.id.localeCompare(b.id));
    const venues = (await pool.query<{ id: string; name: string }>('SELECT id, name FROM venues WHERE lower(id) LIKE $1 OR lower(name) LIKE $1 ORDER BY id', [`%${q}%`])).rows;
    return {
      coins: coins.map((x) => ({ id: x.id, name: x.name, api_symbol: x.id, symbol: x.symbol.toUpperCase(), market_cap_rank: null, thumb: null, large: null })),
      exchanges: venues.map((v) => ({ id: v.id, name: v.name, market_type: 'spot', thumb: null, large: null })),
      icos: [], categories: [], nfts: [],
    };
  });

  app.get('/search/trending', { schema: { tags, response: resp } }, async (_req, reply) => {
    await ready(reply);
    const stats = [...(await statsByAsset(pool)).values()].filter((s) => s.trend_score !== null).sort((a, b) => b.trend_score! - a.trend_score!).slice(0, 15);
    const conv = await vsConverter(c, []);
    const btc = (usd: number | null) => conv.convert(usd, 'btc');
    return {
      coins: stats.map((s, i) => ({
        item: {
          id: coinIdOf(s.asset), coin_id: null, name: s.name ?? s.asset, symbol: s.asset, market_cap_rank: null, thumb: null, small: null, large: null,
          slug: coinIdOf(s.asset), price_btc: btc(s.price_usd), score: i,
          data: {
            price: s.price_usd, price_btc: String(btc(s.price_usd)), price_change_percentage_24h: s.change_pct === null ? {} : Object.fromEntries(conv.supported.map((v) => [v, s.change_pct])),
            market_cap: null, market_cap_btc: null, total_volume: s.volume_usd === null ? null : `$${s.volume_usd.toFixed(2)}`, total_volume_btc: String(btc(s.volume_usd)),
            sparkline: null, content: null,
          },
        },
      })),
      nfts: [], categories: [],
    };
  });

  app.get('/global', { schema: { tags, response: resp } }, async (_req, reply) => {
    await ready(reply);
    const stats = [...(await statsByAsset(pool)).values()];
    const conv = await vsConverter(c, []);
    const markets = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM market_stats')).rows[0].n;
    // every traded dollar is counted once, on the base side of its market
    const volumeUsd = stats.reduce((s, x) => s + (x.volume_usd ?? 0), 0);
    return {
      data: {
        active_cryptocurrencies: stats.length, upcoming_icos: 0, ongoing_icos: 0, ended_icos: 0, markets,
        total_market_cap: {}, total_volume: Object.fromEntries(conv.supported.map((v) => [v, conv.convert(volumeUsd, v)])),
        market_cap_percentage: {}, market_cap_change_percentage_24h_usd: null, volume_change_percentage_24h_usd: null,
        updated_at: Math.floor(Math.max(...stats.map((s) => s.computed_at), 0) / 1000),
      },
    };
  });
};

