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
    const ready = database.ok && pending.length === 0;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', database, migrations: { ok: database.ok && pending.length === 0, pending } });
  });
};
