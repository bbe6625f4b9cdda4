// /v1/tickers, /v1/assets, /v1/venues: the cross-market views of the catalogue.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getTickers } from '../../../analytics/tickers.js';
import { errors, Limit, Nullable } from '../../schemas.js';
import type { ApiContext } from '../../app.js';

export const catalogRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const { pool } = ctx;
  const maxLimit = ctx.config.server.maxLimit;

  app.get('/tickers', {
    schema: {
      summary: '24 h tickers of all markets',
      tags: ['markets'],
      querystring: Type.Object({
        venue: Type.Optional(Type.String()),
        base: Type.Optional(Type.String()),
        quote: Type.Optional(Type.String()),
        limit: Limit(500, maxLimit),
        offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
      }),
      response: { 200: Type.Object({ tickers: Type.Array(Type.Ref('Ticker')) }), ...errors(400) },
    },
  }, async (req) => {
    const q = req.query;
    return { tickers: await getTickers(pool, { venue: q.venue, base: q.base?.toUpperCase(), quote: q.quote?.toUpperCase(), limit: q.limit, offset: q.offset }) };
  });

  app.get('/assets', {
    schema: {
      summary: 'Assets traded in the known markets',
      tags: ['assets'],
      querystring: Type.Object({ limit: Limit(1000, maxLimit), offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }) }),
      response: {
        200: Type.Object({
          assets: Type.Array(Type.Object({
            id: Type.String(),
            symbol: Type.String(),
            name: Nullable(Type.String()),
            markets: Type.Integer({ description: 'Markets where it is the base or the quote' }),
            venues: Type.Array(Type.String()),
          })),
        }),
        ...errors(400),
      },
    },
  }, async (req) => {
    const r = await pool.query(
      `SELECT a.id, a.symbol, a.name, count(m.id)::int AS markets, coalesce(array_agg(DISTINCT m.venue_id) FILTER (WHERE m.venue_id IS NOT NULL), '{}') AS venues
       FROM assets a LEFT JOIN markets m ON m.base_id = a.id OR m.quote_id = a.id
       GROUP BY a.id ORDER BY a.id LIMIT $1 OFFSET $2`,
      [req.query.limit, req.query.offset],
    );
    return { assets: r.rows };
  });

  app.get('/venues', {
    schema: {
      summary: 'Venues (exchanges, DEXes, replays) with their market counts',
      tags: ['markets'],
      response: {
        200: Type.Object({
          venues: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), markets: Type.Integer() })),
        }),
      },
    },
  }, async () => {
    const r = await pool.query(
      `SELECT v.id, v.name, v.kind, count(m.id)::int AS markets FROM venues v LEFT JOIN markets m ON m.venue_id = v.id GROUP BY v.id ORDER BY v.id`,
    );
    return { venues: r.rows };
  });
};
