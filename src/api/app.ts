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
import { jobRoutes } from './routes/v1/jobs.js';
import { metricRoutes } from './routes/v1/metrics.js';
import { analyticsRoutes } from './routes/v1/analytics.js';
import { coingeckoRoutes } from './routes/coingecko/index.js';
import { cmcListingRoutes, coingeckoListingRoutes } from './routes/integrations/index.js';
import { sharedSchemas } from './schemas.js';
import { alertRoutes } from './routes/v1/alerts.js';
import { authRoutes } from './routes/v1/auth.js';
import { streamRoutes } from './routes/v1/stream.js';
import { Mailer } from '../mail/mailer.js';
import { startRealtime, type Realtime } from '../realtime/index.js';
import { VERSION } from '../version.js';
import { installOps } from '../ops/http.js';
import { adminKeyRoutes } from './routes/admin/keys.js';
import { chainRoutes } from './routes/v1/chain.js';
import { adminConsoleRoutes } from './routes/admin/console.js';
import { alertPreviewRoutes } from './routes/v1/alert-preview.js';
import { loadWeb, webFallback, webRoutes } from './web.js';

export interface ApiContext {
  pool: Pool;
  config: WickConfig;
  log: Logger;
  /** The process's event bus and stream hub; started (and closed with the API) when absent. */
  realtime?: Realtime;
  mailer?: Mailer;
  /** Base URL for links in e-mails; default mail.publicUrl, else the address the API listens on. */
  publicUrl?: () => string;
}

export async function buildApi(ctx: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log.child({ component: 'api' }) as FastifyBaseLogger,
    // Requests are logged once, at debug level, by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.ops.bodyLimit,
    http: { maxHeaderSize: ctx.config.ops.maxHeaderSize },
    requestTimeout: ctx.config.ops.requestTimeoutMs,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 500 },
    ajv: { customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
  });
  const web = loadWeb();
  installErrorHandling(app, (req, reply) => webFallback(web, req, reply));
  for (const s of sharedSchemas) app.addSchema(s);
  await installOps(app, ctx);

  await app.register(compress, { global: true, threshold: 1024 });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Wick API',
        version: VERSION,
        description: 'Market data: markets, candles, trades and tickers. Times are epoch milliseconds (UTC); numbers are JSON numbers (see the README\'s precision rules). Errors are JSON with `statusCode`, `error`, `message` and, when a parameter is at fault, `field`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key (wick keys create), or the admin token (auth.adminToken / WICK_ADMIN_TOKEN)' },
          bearer: { type: 'http', scheme: 'bearer', description: 'The same credential as Authorization: Bearer <key>' },
        },
      },
      tags: [
        { name: 'markets', description: 'Markets, candles, trades, tickers' },
        { name: 'assets', description: 'Assets' },
        { name: 'operations', description: 'Health and readiness' },
        { name: 'metrics', description: 'Generic metric series (e.g. from the http source)' },
        { name: 'admin', description: 'Admin operations: an admin-scope API key or the admin token (x-api-key or Authorization: Bearer)' },
        { name: 'streams', description: 'Live data over Server-Sent Events and WebSocket' },
        { name: 'alerts', description: 'Alert rules, firings, deliveries' },
        { name: 'users', description: 'Accounts and sessions' },
        { name: 'analytics', description: 'Aggregated prices, statistics, rankings, trending, liquidity, charts' },
        { name: 'coingecko', description: 'CoinGecko API v3-compatible routes (/coingecko/api/v3)' },
        { name: 'listing', description: 'Exchange-listing APIs for CoinGecko and CoinMarketCap (/integrations)' },
        { name: 'chain', description: 'On-chain token holders and transfers (evm source)' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const info = () => ({ name: 'wick', version: VERSION, docs: '/docs', openapi: '/openapi.json', api: '/v1', dashboard: web.index ? '/' : null });
  // `/` is the dashboard (web/); the API's self-description moved to /v1 (and `/` still answers it to JSON clients).
  app.get('/v1', { schema: { hide: true }, config: { scope: 'public' } }, async () => info());
  await webRoutes(app, web, info);
  await app.register(healthRoutes(ctx));
  await app.register(marketRoutes(ctx), { prefix: '/v1' });
  await app.register(catalogRoutes(ctx), { prefix: '/v1' });
  await app.register(jobRoutes(ctx), { prefix: '/v1' });
  await app.register(metricRoutes(ctx), { prefix: '/v1' });
  await app.register(adminKeyRoutes(ctx), { prefix: '/v1/admin' });
  await app.register(adminConsoleRoutes(ctx), { prefix: '/v1/admin' });

  const realtime = ctx.realtime ?? await startRealtime(ctx.pool, ctx.config, ctx.log);
  const mailer = ctx.mailer ?? new Mailer(ctx.config.mail, ctx.log.child({ component: 'mail' }));
  if (!ctx.realtime) app.addHook('onClose', () => realtime.close());
  if (!ctx.mailer) app.addHook('onClose', async () => mailer.close());
  const publicUrl = ctx.publicUrl ?? (() => ctx.config.mail.publicUrl ?? listenUrl(app));
  await app.register(streamRoutes(ctx, realtime), { prefix: '/v1' });
  await app.register(alertRoutes(ctx), { prefix: '/v1' });
  await app.register(alertPreviewRoutes(ctx), { prefix: '/v1' });
  await app.register(authRoutes(ctx, mailer, publicUrl), { prefix: '/v1' });
  await app.register(analyticsRoutes(ctx), { prefix: '/v1' });
  await app.register(chainRoutes(ctx), { prefix: '/v1' });
  await app.register(coingeckoRoutes(ctx), { prefix: '/coingecko/api/v3' });
  await app.register(coingeckoListingRoutes(ctx), { prefix: '/integrations/coingecko' });
  await app.register(cmcListingRoutes(ctx), { prefix: '/integrations/cmc' });
  return app;
}

/** http://host:port the server listens on (for links when no public URL is configured). */
export function listenUrl(app: FastifyInstance): string {
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') return 'http://localhost';
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
}
