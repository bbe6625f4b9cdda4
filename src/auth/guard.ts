// Who may call what. Every route needs a scope: admin for /v1/admin/…, write for anything
// that changes data (non-GET methods), read otherwise; a route can also declare
// `config: { scope: 'admin' | 'write' | 'read' | 'public' }`. Read routes are public unless
// `auth.requireKeyForReads` (minus `auth.publicRoutes`); admin and write routes never are.
// A key that is presented is always checked and counted, even on a public route. The admin
// token (admin-token.ts) is accepted wherever an admin key is, and a signed-in user's session
// wherever a key is (admins' sessions on admin routes).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from '../db/pool.js';
import { errorBody } from '../api/errors.js';
import { recordRateLimited } from '../ops/metrics.js';
import { checkApiKey, scopeAllows, type KeyCheck, type Scope } from './api-keys.js';
import { adminToken, isAdminToken } from './admin-token.js';
import { requestUser } from './request.js';
import type { AuthConfig } from './config.js';

export type RouteScope = Scope | 'public';

declare module 'fastify' {
  interface FastifyContextConfig { scope?: RouteScope }
  /** The caller's credential: an API key, or the admin token (id 0). */
  interface FastifyRequest { apiKey: { id: number; scope: Scope } | null }
}

const ALWAYS_PUBLIC = ['/healthz', '/readyz', '/openapi.json', '/docs', '/'];
// Routes that identify their user themselves (sign-up and login need no credential; alert
// rules belong to the signed-in user), so the guard asks for no key there.
const OWN_AUTH = ['/v1/auth', '/v1/alerts'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function requiredScope(auth: AuthConfig, method: string, route: string, declared?: RouteScope): RouteScope {
  if (declared) return declared;
  if (method === 'OPTIONS') return 'public'; // CORS preflights carry no credentials
  if ([...ALWAYS_PUBLIC, ...OWN_AUTH].some((p) => route === p || (p !== '/' && route.startsWith(`${p}/`)))) return 'public';
  if (route === '/metrics') return auth.metricsRequireKey ? 'admin' : 'public';
  if (route === '/v1/admin' || route.startsWith('/v1/admin/')) return 'admin';
  if (!SAFE_METHODS.has(method)) return 'write';
  if (!auth.requireKeyForReads) return 'public';
  return auth.publicRoutes.some((p) => route === p || route.startsWith(p.endsWith('/') ? p : `${p}/`)) ? 'public' : 'read';
}

/** The key a request presents: x-api-key, Authorization: Bearer, or CoinGecko's headers/query on /coingecko routes. */
export function presentedKey(req: FastifyRequest): string | null {
  const h = req.headers;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(first(h.authorization) ?? '')?.[1] ?? null;
  let key = first(h['x-api-key']) ?? bearer;
  if (!key && (req.routeOptions.url ?? '').startsWith('/coingecko')) {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const fromQuery = (v: unknown) => (typeof v === 'string' && v ? v : null);
    key = first(h['x-cg-pro-api-key']) ?? first(h['x-cg-demo-api-key']) ?? fromQuery(q.x_cg_pro_api_key) ?? fromQuery(q.x_cg_demo_api_key);
  }
  return key;
}

function limitHeaders(reply: FastifyReply, check: Extract<KeyCheck, { id: number }>): void {
  if (check.rate) {
    reply.header('x-ratelimit-limit', check.rate.limit).header('x-ratelimit-remaining', check.rate.remaining).header('x-ratelimit-reset', check.rate.reset);
  }
  if (check.quota) {
    reply.header('x-quota-limit', check.quota.limit).header('x-quota-remaining', check.quota.remaining).header('x-quota-reset', check.quota.reset);
  }
}

export function installGuard(app: FastifyInstance, pool: Pool, auth: AuthConfig): void {
  app.decorateRequest('apiKey', null);
  const token = adminToken(auth.adminToken);
  const howToAdmin = token ? 'the admin token or an API key with scope admin' : 'an API key with scope admin (wick keys create --scope admin), or set auth.adminToken / WICK_ADMIN_TOKEN and send that';
  app.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url;
    if (route === undefined) return; // no such route: the 404 handler answers
    const need = requiredScope(auth, req.method, route, req.routeOptions.config?.scope);
    const key = presentedKey(req);
    if (!key) {
      if (need === 'public') return;
      // A signed-in user (session cookie) may do what a key may; admin routes need the admin role.
      const user = await requestUser(pool, req);
      if (user && (need !== 'admin' || user.role === 'admin')) return;
      if (user) return reply.status(403).send(errorBody(403, 'only admins may do this'));
      const what = need === 'admin' ? howToAdmin : `an API key with scope ${need}`;
      return reply.status(401).header('www-authenticate', 'ApiKey').send(errorBody(401, `this route needs ${what} (header x-api-key or Authorization: Bearer)`));
    }
    if (isAdminToken(key, token)) {
      req.apiKey = { id: 0, scope: 'admin' };
      return;
    }
    const check = await checkApiKey(pool, key);
    if (check.status === 'unknown') return reply.status(401).header('www-authenticate', 'ApiKey').send(errorBody(401, need === 'admin' ? 'invalid admin token or API key' : 'invalid or revoked API key'));
    limitHeaders(reply, check);
    if (check.status !== 'ok') {
      recordRateLimited(check.status);
      const until = check.status === 'rate' ? check.rate!.reset : check.quota!.reset;
      const message = check.status === 'rate' ? `rate limit of ${check.rate!.limit} requests exceeded; retry after the window resets` : `monthly quota of ${check.quota!.limit} requests used up`;
      return reply.status(429).header('retry-after', Math.max(1, Math.ceil(until - check.now))).send(errorBody(429, message));
    }
    if (need !== 'public' && !scopeAllows(check.scope, need)) {
      return reply.status(403).send(errorBody(403, `this API key has scope ${check.scope}; this route needs ${need}`));
    }
    req.apiKey = { id: check.id, scope: check.scope };
  });
}
