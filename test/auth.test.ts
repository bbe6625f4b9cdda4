// API keys over a real loopback socket: 401/403/429 with the limit headers, quotas shared by
// two API instances (separate pools) on one database, public read routes, the admin API,
// CoinGecko-style key headers, and the `wick keys` CLI.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { createApiKey, parseQuota, parseRate } from '../src/auth/api-keys.js';
import { parseConfig } from '../src/config/load.js';
import { createPool } from '../src/db/pool.js';
import { runWick } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { listenOnLoopback } from './helpers/http.js';

const log = pino({ level: 'silent' });
let db: TestDatabase;
const apps: FastifyInstance[] = [];
const extraPools: Array<ReturnType<typeof createPool>> = [];

async function api(auth: Record<string, unknown> = {}, pool = db.pool, extra: Record<string, unknown> = {}): Promise<string> {
  const app = await buildApi({ pool, config: parseConfig({ auth, ...extra }), log });
  apps.push(app);
  return listenOnLoopback(app);
}

async function call(url: string, init: RequestInit & { key?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set('x-api-key', init.key);
  if (init.body) headers.set('content-type', 'application/json');
  const r = await fetch(url, { ...init, headers });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await Promise.all(extraPools.map((p) => p.end()));
  await db?.drop();
});

describe('limits syntax', () => {
  it('parses rates and quotas and names bad ones', () => {
    expect(parseRate('30/min')).toEqual({ limit: 30, windowSeconds: 60 });
    expect(parseRate('5/s')).toEqual({ limit: 5, windowSeconds: 1 });
    expect(parseRate('1000/hour')).toEqual({ limit: 1000, windowSeconds: 3600 });
    expect(parseRate('100/5min')).toEqual({ limit: 100, windowSeconds: 300 });
    expect(() => parseRate('30 per minute')).toThrow('"30 per minute" is not a rate');
    expect(() => parseRate('0/min')).toThrow(/not a rate/);
    expect(parseQuota('10000/month')).toBe(10000);
    expect(() => parseQuota('10/week')).toThrow('"10/week" is not a monthly quota');
  });
});

describe('keys on requests', () => {
  it('needs a key for reads only when configured; 401 for missing or invalid keys', async () => {
    const open = await api();
    expect((await call(`${open}/v1/markets`)).status).toBe(200);
    expect((await call(`${open}/v1/markets`, { key: 'wick_nope' })).status).toBe(401); // a presented key is always checked
    const closed = await api({ requireKeyForReads: true, publicRoutes: ['/v1/venues'] });
    const r = await call(`${closed}/v1/markets`);
    expect(r.status).toBe(401);
    expect(r.body.message).toMatch(/needs an API key with scope read/);
    expect((await call(`${closed}/v1/venues`)).status).toBe(200);
    expect((await call(`${closed}/healthz`)).status).toBe(200);
    // CORS preflights carry no key: they are answered, the request itself still needs one.
    const corsClosed = await api({ requireKeyForReads: true }, db.pool, { ops: { cors: { origins: ['https://app.example'] } } });
    const pre = await fetch(`${corsClosed}/v1/markets`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect((await call(`${corsClosed}/v1/markets`, { headers: { origin: 'https://app.example' } })).status).toBe(401);
    expect((await call(`${closed}/v1/markets`, { key: 'wick_nope' })).status).toBe(401);
    const { key } = await createApiKey(db.pool, { scope: 'read' });
    expect((await call(`${closed}/v1/markets`, { key })).status).toBe(200);
    expect((await call(`${closed}/v1/markets`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it('answers 429 with Retry-After and X-RateLimit-* past the rate, counted across two API instances', async () => {
    const other = createPool({ url: db.url, max: 2, statementTimeoutMs: 10_000, applicationName: 'wick-test-2' });
    extraPools.push(other);
    const a = await api({ requireKeyForReads: true });
    const b = await api({ requireKeyForReads: true }, other);
    // A day-long window, so the test never straddles a window boundary.
    const { key } = await createApiKey(db.pool, { scope: 'read', rate: '3/day' });
    const seen = [];
    for (const base of [a, b, a, b]) seen.push(await call(`${base}/v1/markets`, { key }));
    expect(seen.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(seen.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(seen[0].headers.get('x-ratelimit-limit')).toBe('3');
    const dayEnd = (Math.floor(Date.now() / 86_400_000) + 1) * 86_400;
    expect(Number(seen[3].headers.get('x-ratelimit-reset'))).toBe(dayEnd);
    const retry = Number(seen[3].headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(Math.abs(retry - (dayEnd - Date.now() / 1000))).toBeLessThan(5);
    expect(seen[3].body).toMatchObject({ statusCode: 429, message: expect.stringMatching(/rate limit of 3 requests/) });
  });

  it('enforces the monthly quota and reports it', async () => {
    const base = await api();
    const { key, info } = await createApiKey(db.pool, { scope: 'read', quota: '2/month' });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(await call(`${base}/v1/markets`, { key }));
    expect(codes.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(codes.map((r) => r.headers.get('x-quota-remaining'))).toEqual(['1', '0', '0']);
    const now = new Date();
    const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000;
    expect(Number(codes[2].headers.get('x-quota-reset'))).toBe(monthEnd);
    expect(Math.abs(Number(codes[2].headers.get('retry-after')) - (monthEnd - Date.now() / 1000))).toBeLessThan(5);
    const used = await db.pool.query(`SELECT count FROM api_key_usage WHERE key_id = $1 AND kind = 'month'`, [info.id]);
    expect(used.rows[0].count).toBe(2); // the refused request is not counted
  });

  it('accepts CoinGecko key headers and query parameters on /coingecko routes only', async () => {
    const base = await api({ requireKeyForReads: true });
    const { key } = await createApiKey(db.pool, { scope: 'read' });
    expect((await call(`${base}/coingecko/api/v3/ping`)).status).toBe(401);
    expect((await call(`${base}/coingecko/api/v3/ping`, { headers: { 'x-cg-demo-api-key': key } })).status).toBe(200);
    expect((await call(`${base}/coingecko/api/v3/ping`, { headers: { 'x-cg-pro-api-key': key } })).status).toBe(200);
    expect((await call(`${base}/coingecko/api/v3/ping?x_cg_demo_api_key=${key}`)).status).toBe(200);
    expect((await call(`${base}/v1/markets`, { headers: { 'x-cg-demo-api-key': key } })).status).toBe(401);
  });
});

describe('admin API', () => {
  it('creates, lists and revokes keys with an admin key; 403 for lower scopes; never public', async () => {
    const base = await api();
    const { key: admin } = await createApiKey(db.pool, { scope: 'admin', name: 'ops' });
    const { key: writer } = await createApiKey(db.pool, { scope: 'write' });
    expect((await call(`${base}/v1/admin/keys`)).status).toBe(401);
    const denied = await call(`${base}/v1/admin/keys`, { key: writer });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe('this API key has scope write; this route needs admin');
    const created = await call(`${base}/v1/admin/keys`, { method: 'POST', key: admin, body: JSON.stringify({ scope: 'read', rate: '30/min', quota: '10000/month', name: 'partner' }) });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^wick_[A-Za-z0-9_-]{32}$/);
    expect(created.body.info).toMatchObject({ scope: 'read', rate_limit: 30, rate_window_s: 60, monthly_quota: 10000, name: 'partner', prefix: created.body.key.slice(0, 12), revoked_at: null });
    const stored = await db.pool.query('SELECT encode(hash, \'hex\') AS h FROM api_keys WHERE id = $1', [created.body.info.id]);
    const { createHash } = await import('node:crypto');
    expect(stored.rows[0].h).toBe(createHash('sha256').update(created.body.key).digest('hex'));
    const bad = await call(`${base}/v1/admin/keys`, { method: 'POST', key: admin, body: JSON.stringify({ scope: 'read', rate: 'lots' }) });
    expect(bad).toMatchObject({ status: 400, body: { field: 'rate' } });
    const list = await call(`${base}/v1/admin/keys`, { key: admin });
    expect(list.body.map((k: { name: string }) => k.name)).toContain('partner');
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect((await call(`${base}/v1/markets`, { key: created.body.key })).status).toBe(200);
    const revoked = await call(`${base}/v1/admin/keys/${created.body.info.id}`, { method: 'DELETE', key: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect((await call(`${base}/v1/markets`, { key: created.body.key })).status).toBe(401);
    expect((await call(`${base}/v1/admin/keys/999999`, { method: 'DELETE', key: admin })).status).toBe(404);
  });
});

describe('wick keys', () => {
  it('creates a key shown once, lists it without the secret, and revokes it', async () => {
    const env = { ...process.env, DATABASE_URL: db.url };
    const created = await runWick(['keys', 'create', '--scope', 'read', '--rate', '30/min', '--quota', '10000/month', '--name', 'cli'], { env });
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^wick_/);
    expect(created.stderr).toMatch(/created key (\d+) \(scope read\)/);
    const id = /created key (\d+)/.exec(created.stderr)![1];
    const list = await runWick(['keys', 'list'], { env });
    expect(list.stdout).toMatch(new RegExp(`^\\s*${id}  ${key.slice(0, 12)}…  read \\s+30/min\\s+0/10000 this month.*"cli"$`, 'm'));
    expect(list.stdout).not.toContain(key);
    expect((await runWick(['keys', 'revoke', id], { env })).stdout).toBe(`revoked key ${id}\n`);
    const again = await runWick(['keys', 'revoke', id], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`wick: no active API key with id ${id}\n`);
    const bad = await runWick(['keys', 'create', '--scope', 'root'], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Allowed choices are read, write, admin/);
  });
});
