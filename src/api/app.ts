// The HTTP API (Fastify): schema-first routes under /v1, health checks, the OpenAPI
// document at /openapi.json and interactive docs at /docs.
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { WickConfig } from '../config/schema.js';
import type { Pool } from '../db/pool.js';
import { installErrorHandling } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { catalogRoutes } from './routes/v1/catalog.js';
import { marketRoutes } from './routes/v1/markets.js';
import { sharedSchemas } from './schemas.js';
import { VERSION } from '../version.js';

export interface ApiContext {
  pool: Pool;
  config: WickConfig;
  log: Logger;
}

export async function buildApi(ctx: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log.child({ component: 'api' }) as FastifyBaseLogger,
    // Requests are logged once, at debug level, by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_048_576,
    routerOptions: { maxParamLength: 500 },
    ajv: { customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
  });
  installErrorHandling(app);
  for (const s of sharedSchemas) app.addSchema(s);

  await app.register(compress, { global: true, threshold: 1024 });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Wick API',
        version: VERSION,
        description: 'Market data: markets, candles, trades and tickers. Times are epoch milliseconds (UTC); numbers are JSON numbers (see the README\'s precision rules). Errors are JSON with `statusCode`, `error`, `message` and, when a parameter is at fault, `field`.',
      },
      tags: [
        { name: 'markets', description: 'Markets, candles, trades, tickers' },
        { name: 'assets', description: 'Assets' },
        { name: 'operations', description: 'Health and readiness' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/', { schema: { hide: true } }, async () => ({ name: 'wick', version: VERSION, docs: '/docs', openapi: '/openapi.json', api: '/v1' }));
  await app.register(healthRoutes(ctx));
  await app.register(marketRoutes(ctx), { prefix: '/v1' });
  await app.register(catalogRoutes(ctx), { prefix: '/v1' });
  return app;
}
