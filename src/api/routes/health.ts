// Liveness and readiness for load balancers and orchestrators.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { pendingMigrations } from '../../db/migrate.js';
import type { ApiContext } from '../app.js';

export const healthRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/healthz', {
    schema: { summary: 'Alive: the process answers', tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  const Ready = Type.Object({
    status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
    database: Type.Object({ ok: Type.Boolean(), latency_ms: Type.Optional(Type.Number()), error: Type.Optional(Type.String()) }),
    migrations: Type.Object({ ok: Type.Boolean(), pending: Type.Array(Type.String()) }),
    freshness: Type.Optional(Type.Object({ ok: Type.Boolean(), max_lag_ms: Type.Number(), stale: Type.Array(Type.Object({ market: Type.String(), lag_ms: Type.Union([Type.Number(), Type.Null()]) })) })),
  });
  app.get('/readyz', {
    schema: { summary: 'Ready: database reachable and migrations applied', tags: ['operations'], response: { 200: Ready, 503: Ready } },
  }, async (_req, reply) => {
    const started = performance.now();
    let database: { ok: boolean; latency_ms?: number; error?: string };
    let pending: string[] = [];
    try {
      await ctx.pool.query('SELECT 1');
      database = { ok: true, latency_ms: Math.round((performance.now() - started) * 100) / 100 };
      pending = await pendingMigrations(ctx.pool);
    } catch (e) {
      database = { ok: false, error: (e as Error).message };
    }
    const maxLag = ctx.config.ops.readiness.maxDataLag;
    const freshness = maxLag !== undefined && database.ok && pending.length === 0 ? await staleMarkets(ctx, maxLag) : undefined;
    const ready = database.ok && pending.length === 0 && (freshness?.ok ?? true);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', database, migrations: { ok: database.ok && pending.length === 0, pending }, ...(freshness ? { freshness } : {}) });
  });
};

/** Markets whose newest trade is older than `maxLagMs` (listed markets without any trade count as stale). */
async function staleMarkets(ctx: ApiContext, maxLagMs: number) {
  const only = ctx.config.ops.readiness.markets;
  const r = await ctx.pool.query<{ market: string; lag_ms: number | null }>(`
    SELECT m.id AS market, (extract(epoch FROM now() - m.last_trade_at) * 1000)::float8 AS lag_ms
    FROM markets m
    WHERE CASE WHEN cardinality($1::text[]) > 0 THEN m.id = ANY($1) ELSE m.active AND m.last_trade_at IS NOT NULL END
      AND (m.last_trade_at IS NULL OR m.last_trade_at < now() - make_interval(secs => $2::float8 / 1000))
    ORDER BY m.id`, [only, maxLagMs]);
  const known = only.length ? new Set((await ctx.pool.query<{ id: string }>('SELECT id FROM markets WHERE id = ANY($1)', [only])).rows.map((x) => x.id)) : null;
  const stale = [...r.rows, ...only.filter((m) => known && !known.has(m)).map((market) => ({ market, lag_ms: null }))];
  return { ok: stale.length === 0, max_lag_ms: maxLagMs, stale };
}
