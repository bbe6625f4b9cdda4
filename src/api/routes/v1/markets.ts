// /v1/markets: the market catalogue and each market's candles, trades and ticker.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getCandles } from '../../../analytics/candles.js';
import { getTickers } from '../../../analytics/tickers.js';
import { formatResolution } from '../../../domain/resolution.js';
import { badRequest } from '../../errors.js';
import { findMarket, MARKET_COLUMNS, resolutionParam, timeRange, type MarketRow } from '../../params.js';
import { errors, Limit, MarketParams, Nullable, TimeParam } from '../../schemas.js';
import type { ApiContext } from '../../app.js';

const publicMarket = ({ pk: _pk, ...m }: MarketRow) => m;

export const marketRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const { pool } = ctx;
  const maxLimit = ctx.config.server.maxLimit;

  app.get('/markets', {
    schema: {
      summary: 'List markets',
      tags: ['markets'],
      querystring: Type.Object({
        venue: Type.Optional(Type.String()),
        base: Type.Optional(Type.String({ description: 'Base asset, e.g. BTC' })),
        quote: Type.Optional(Type.String({ description: 'Quote asset, e.g. USDT' })),
        limit: Limit(500, maxLimit),
        offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
      }),
      response: { 200: Type.Object({ markets: Type.Array(Type.Ref('Market')), total: Type.Integer() }), ...errors(400) },
    },
  }, async (req) => {
    const q = req.query;
    const where = `($1::text IS NULL OR venue_id = $1) AND ($2::text IS NULL OR base_id = upper($2)) AND ($3::text IS NULL OR quote_id = upper($3))`;
    const args = [q.venue ?? null, q.base ?? null, q.quote ?? null];
    const [rows, total] = await Promise.all([
      pool.query<MarketRow>(`SELECT ${MARKET_COLUMNS} FROM markets WHERE ${where} ORDER BY id LIMIT $4 OFFSET $5`, [...args, q.limit, q.offset]),
      pool.query<{ n: number }>(`SELECT count(*) AS n FROM markets WHERE ${where}`, args),
    ]);
    return { markets: rows.rows.map(publicMarket), total: total.rows[0].n };
  });

  app.get('/markets/:market', {
    schema: {
      summary: 'One market',
      tags: ['markets'],
      params: MarketParams,
      response: { 200: Type.Ref('Market'), ...errors(404) },
    },
  }, async (req) => publicMarket(await findMarket(pool, req.params.market)));

  app.get('/markets/:market/candles', {
    schema: {
      summary: 'OHLCV candles at any resolution',
      description: 'Stored at 1m, 5m, 15m, 1h, 4h and 1d; any other whole multiple of a minute (e.g. 2h, 3d, 1w) is rolled up on the fly. '
        + 'With only `from`: the first `limit` candles from it; otherwise the latest `limit` candles before `to` (default: now). '
        + 'Buckets are aligned to the Unix epoch in UTC (weeks start on Monday). Minutes without trades have no candle unless `fill=previous`.',
      tags: ['markets'],
      params: MarketParams,
      querystring: Type.Object({
        resolution: Type.String({ default: '1h', description: 'e.g. 1m, 5m, 15m, 1h, 4h, 1d, 1w, or any whole multiple such as 2h' }),
        from: Type.Optional(TimeParam('Earliest bucket (inclusive)')),
        to: Type.Optional(TimeParam('End (exclusive)')),
        limit: Limit(500, maxLimit),
        fill: Type.Union([Type.Literal('none'), Type.Literal('previous')], { default: 'none', description: 'previous: fill gaps with flat candles at the previous close and zero volume' }),
        format: Type.Union([Type.Literal('object'), Type.Literal('array')], { default: 'object', description: 'array: [time, open, high, low, close, volume] rows' }),
      }),
      response: {
        200: Type.Object({
          market: Type.String(),
          resolution: Type.String(),
          candles: Type.Union([Type.Array(Type.Ref('Candle')), Type.Array(Type.Array(Type.Number()))]),
        }),
        ...errors(400, 404),
      },
    },
  }, async (req) => {
    const q = req.query;
    const resolution = resolutionParam(q.resolution);
    const { from, to } = timeRange(q.from, q.to);
    const market = await findMarket(pool, req.params.market);
    const candles = await getCandles(pool, { marketPk: market.pk, resolution, from, to, limit: q.limit, fill: q.fill });
    return {
      market: market.id,
      resolution: formatResolution(resolution),
      candles: q.format === 'array' ? candles.map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume]) : candles,
    };
  });

  app.get('/markets/:market/trades', {
    schema: {
      summary: 'Trades, newest first by default, with cursor pagination',
      description: 'Pass `next_cursor` from a response as `cursor` to get the following page.',
      tags: ['markets'],
      params: MarketParams,
      querystring: Type.Object({
        from: Type.Optional(TimeParam('Earliest trade time (inclusive)')),
        to: Type.Optional(TimeParam('Latest trade time (exclusive)')),
        limit: Limit(100, maxLimit),
        order: Type.Union([Type.Literal('desc'), Type.Literal('asc')], { default: 'desc' }),
        cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page' })),
      }),
      response: {
        200: Type.Object({ market: Type.String(), trades: Type.Array(Type.Ref('Trade')), next_cursor: Nullable(Type.String()) }),
        ...errors(400, 404),
      },
    },
  }, async (req) => {
    const q = req.query;
    const { from, to } = timeRange(q.from, q.to);
    const after = q.cursor === undefined ? null : decodeCursor(q.cursor);
    const market = await findMarket(pool, req.params.market);
    const asc = q.order === 'asc';
    const r = await pool.query<{ id: string; time: number; price: number; amount: number; cost: number; side: 'buy' | 'sell' | null }>(
      `SELECT trade_id AS id, (extract(epoch FROM ts) * 1000)::int8 AS time, price::float8 AS price, amount::float8 AS amount,
              (price * amount)::float8 AS cost, side
       FROM trades
       WHERE market_pk = $1 AND ($2::timestamptz IS NULL OR ts >= $2) AND ($3::timestamptz IS NULL OR ts < $3)
         AND ($4::int8 IS NULL OR (ts, trade_id) ${asc ? '>' : '<'} (to_timestamp($4::int8 / 1000.0), $5::text))
       ORDER BY ts ${asc ? 'ASC' : 'DESC'}, trade_id ${asc ? 'ASC' : 'DESC'}
       LIMIT $6`,
      [market.pk, from === undefined ? null : new Date(from), to === undefined ? null : new Date(to), after?.ts ?? null, after?.id ?? null, q.limit + 1],
    );
    const more = r.rows.length > q.limit;
    const rows = more ? r.rows.slice(0, q.limit) : r.rows;
    const last = rows[rows.length - 1];
    return {
      market: market.id,
      trades: rows,
      next_cursor: more && last ? encodeCursor({ ts: last.time, id: last.id }) : null,
    };
  });

  app.get('/markets/:market/ticker', {
    schema: {
      summary: "A market's 24 h ticker",
      description: "The venue's own ticker when Wick fetches one; otherwise computed from stored candles over the rolling 24 hours.",
      tags: ['markets'],
      params: MarketParams,
      response: { 200: Type.Ref('Ticker'), ...errors(404) },
    },
  }, async (req) => {
    const market = await findMarket(pool, req.params.market);
    const [t] = await getTickers(pool, { marketIds: [market.id], limit: 1, offset: 0 });
    return t;
  });
};

/** Position after a trade: its time (ms, as stored) and id, the table's own order. */
interface TradeCursor { ts: number; id: string }

function encodeCursor(c: TradeCursor): string {
  return Buffer.from(JSON.stringify([c.ts, c.id])).toString('base64url');
}

function decodeCursor(s: string): TradeCursor {
  try {
    const [ts, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown[];
    if (Number.isSafeInteger(ts) && typeof id === 'string') return { ts: ts as number, id };
  } catch {
    // fall through
  }
  throw badRequest('cursor', 'is not a cursor returned by this endpoint (use next_cursor from the previous page)');
}
