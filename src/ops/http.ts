// Production behaviour of the HTTP API: request metrics, GET /metrics, CORS, security
// headers, the API-key guard, and load shedding (503 + Retry-After when requests already
// queue for a database connection, instead of piling up behind a full pool).
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../api/errors.js';
import type { ApiContext } from '../api/app.js';
import { installGuard } from '../auth/guard.js';
import { attachPool, observeHttp, recordBusy, renderMetrics } from './metrics.js';
import { reportError } from './sentry.js';

const NO_DB = new Set(['/healthz', '/metrics']);

export async function installOps(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { config, pool } = ctx;
  attachPool(pool);

  app.addHook('onResponse', async (req, reply) => {
    observeHttp(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.addHook('onError', async (req, reply, err) => {
    if ((err as { statusCode?: number }).statusCode === undefined || (err as { statusCode: number }).statusCode >= 500) reportError(err, { route: req.routeOptions.url, method: req.method });
  });

  const max = config.database.maxWaiting;
  app.addHook('onRequest', async (req, reply) => {
    if (max > 0 && pool.waitingCount >= max && !NO_DB.has(req.routeOptions.url ?? '')) {
      recordBusy();
      return reply.status(503).header('retry-after', '1').send(errorBody(503, 'the server is busy (all database connections in use); retry shortly'));
    }
  });

  await app.register(helmet, {
    // JSON API: no HTML of ours needs a CSP except the docs page, which loads its own assets.
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: config.ops.cors.origins.length ? 'cross-origin' : 'same-origin' },
    hsts: false, // TLS ends at the reverse proxy, which sets HSTS
  });
  if (config.ops.cors.origins.length) {
    const any = config.ops.cors.origins.includes('*');
    await app.register(cors, {
      origin: any ? '*' : config.ops.cors.origins,
      credentials: config.ops.cors.credentials,
      maxAge: config.ops.cors.maxAge,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'x-cg-demo-api-key', 'x-cg-pro-api-key'],
      exposedHeaders: ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-quota-limit', 'x-quota-remaining', 'x-quota-reset'],
    });
  }

  installGuard(app, pool, config.auth);

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'], produces: ['text/plain'] } }, async (_req, reply) => {
    const { contentType, body } = await renderMetrics();
    return reply.type(contentType).send(body);
  });
}
