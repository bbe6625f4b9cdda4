// The http source and the provider limiter against a loopback server that behaves like a
// metered provider: pages, 429 with Retry-After, 500s, timeouts, truncated JSON, wrong shapes.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderLimiter } from '../src/budgets/limiter.js';
import { QuotaExceededError } from '../src/budgets/errors.js';
import { parseConfig } from '../src/config/load.js';
import { createPool } from '../src/db/pool.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { createSource } from '../src/sources/registry.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { loopbackServer, sendJson, type LoopbackServer } from './helpers/http.js';

const log = pino({ level: 'silent' });
const signal = new AbortController().signal;
const task = { kind: 'metrics' as const, every: 60_000 };

// Owners of three collections, two per page, cursor-paginated.
const OWNERS: Record<string, Array<{ wallet: string; count: number }>> = {
  '0xaaa': [{ wallet: 'w1', count: 3 }, { wallet: 'w2', count: 1 }, { wallet: 'w3', count: 7 }],
  '0xbbb': [{ wallet: 'w4', count: 2 }],
  '0xccc': [],
};

describe('http source + provider limiter', () => {
  let db: TestDatabase;
  let server: LoopbackServer;
  /** Arrival time of each request, by path. */
  const arrivals: Array<{ path: string; at: number }> = [];
  let mode: 'ok' | '429' | '500' | 'slow' | 'truncated' | 'shape' = 'ok';
  let failuresLeft = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await loopbackServer(async (url, req, res) => {
      arrivals.push({ path: url.pathname, at: performance.timeOrigin + performance.now() });
      if (req.headers['x-api-key'] !== 'secret-from-env') return sendJson(res, { error: 'unauthorised' }, 401);
      if (failuresLeft > 0) {
        failuresLeft--;
        if (mode === '429') {
          res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
          res.end('{"error":"slow down"}');
          return;
        }
        if (mode === '500') return sendJson(res, { error: 'boom' }, 500);
        if (mode === 'slow') {
          await new Promise((r) => setTimeout(r, 1500));
          return sendJson(res, {});
        }
        if (mode === 'truncated') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"owners": [{"wallet": "w1", "cou');
          return;
        }
        if (mode === 'shape') return sendJson(res, { owners: [{ wallet: 'w1', count: 'many' }] });
      }
      const m = /^\/v1\/collections\/(0x[a-z]+)\/owners$/.exec(url.pathname);
      if (!m) return sendJson(res, { error: 'no such path' }, 404);
      const all = OWNERS[m[1]];
      const start = Number(url.searchParams.get('cursor') ?? 0);
      sendJson(res, { owners: all.slice(start, start + 2), next: start + 2 < all.length ? String(start + 2) : null, as_of: '2024-03-01T00:00:00Z' });
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const config = (extra: Record<string, unknown> = {}) => parseConfig({
    sources: [{
      id: 'owners', type: 'http', provider: 'nftport',
      url: `${server.url}/v1/collections/{contract}/owners`,
      headers: { 'x-api-key': 'secret-from-env' },
      items: ['0xaaa', '0xbbb', '0xccc'], itemKey: 'contract',
      timeout: '500ms',
      pagination: { type: 'cursor', param: 'cursor', path: 'next' },
      metrics: [{ name: 'nft_owner_tokens', each: 'owners', value: 'count', time: '$.as_of', labels: { contract: '{contract}', wallet: '$wallet' } }],
    }],
    providers: { nftport: { rate: { perSecond: 4 }, quota: { perMonth: 1000 }, retries: 2 } },
    ...extra,
  });

  async function runner(cfg = config(), pool = db.pool) {
    const limiter = new ProviderLimiter(pool, cfg.providers, log);
    return new SourceRunner(await createSource(cfg.sources[0], '.'), pool, log, limiter.call);
  }

  it('follows cursor pages per item and stores each row as a labelled series point', async () => {
    arrivals.length = 0;
    const r = await (await runner()).runPass(task, signal);
    expect(r).toMatchObject({ rows: 4, errors: [] });
    // 0xaaa: 2 pages, 0xbbb: 1, 0xccc: 1.
    expect(server.requests.slice(-4).map((u) => u.pathname + u.search)).toEqual([
      '/v1/collections/0xaaa/owners', '/v1/collections/0xaaa/owners?cursor=2', '/v1/collections/0xbbb/owners', '/v1/collections/0xccc/owners',
    ]);
    const rows = (await db.pool.query(`SELECT s.labels->>'contract' AS c, s.labels->>'wallet' AS w, p.value::text AS v, (extract(epoch FROM p.ts) * 1000)::int8 AS t
      FROM metric_points p JOIN metric_series s ON s.id = p.series_id WHERE s.name = 'nft_owner_tokens' ORDER BY w`)).rows;
    expect(rows).toEqual([
      { c: '0xaaa', w: 'w1', v: '3', t: Date.parse('2024-03-01T00:00:00Z') },
      { c: '0xaaa', w: 'w2', v: '1', t: Date.parse('2024-03-01T00:00:00Z') },
      { c: '0xaaa', w: 'w3', v: '7', t: Date.parse('2024-03-01T00:00:00Z') },
      { c: '0xbbb', w: 'w4', v: '2', t: Date.parse('2024-03-01T00:00:00Z') },
    ]);
  });

  it('only fetches the items a job selects', async () => {
    const before = server.requests.length;
    await (await runner()).runPass(task, signal, ['0xbbb']);
    expect(server.requests.slice(before).map((u) => u.pathname)).toEqual(['/v1/collections/0xbbb/owners']);
  });

  it('never goes above the declared rate: no 1-second window of the server log holds more than 4 requests', async () => {
    arrivals.length = 0;
    const r1 = await runner();
    const r2 = await runner(); // a second limiter instance: the limit is shared through Postgres
    await Promise.all([r1.runPass(task, signal), r2.runPass(task, signal), r1.runPass(task, signal)]);
    const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
    expect(times).toHaveLength(12);
    let worst = 0;
    for (let i = 0; i < times.length; i++) worst = Math.max(worst, times.filter((t) => t >= times[i] && t < times[i] + 1000).length);
    expect(worst).toBeLessThanOrEqual(4);
    expect(worst).toBe(4); // the limiter does use the budget it has
  });

  it('pauses the provider on 429 for Retry-After, then succeeds', async () => {
    arrivals.length = 0;
    mode = '429';
    failuresLeft = 1;
    const r = await (await runner()).runPass(task, signal, ['0xbbb']);
    expect(r.rows).toBe(0); // same points as before: nothing new
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1].at - arrivals[0].at).toBeGreaterThanOrEqual(950); // Retry-After: 1 (second)
  });

  it.each([
    ['500', /HTTP 500/],
    ['slow', /no answer within 500 ms/],
    ['truncated', /malformed JSON/],
    ['shape', /unexpected response shape: metrics\[0\] \(nft_owner_tokens\) row 0: "count" is "many", not a number/],
  ] as const)('fails the pass on %s (the job retries it)', async (m, message) => {
    mode = m;
    failuresLeft = 1;
    await expect((await runner()).runPass(task, signal, ['0xbbb'])).rejects.toThrow(message);
    failuresLeft = 0;
  });

  it('counts the quota in Postgres: a new pool (a restarted process) sees it, and a hard quota refuses calls', async () => {
    const used = Number((await db.pool.query(`SELECT used FROM provider_usage WHERE provider = 'nftport' AND period = 'month'`)).rows[0].used);
    expect(used).toBe(server.requests.length); // every request counted, including the 429'd and failed ones
    const fresh = createPool({ url: db.url, max: 2, statementTimeoutMs: 10_000, applicationName: 'restarted' });
    try {
      const tight = config({ providers: { nftport: { quota: { perMonth: used + 1 } } } });
      const r = await runner(tight, fresh);
      const before = server.requests.length;
      // 0xaaa needs 2 calls: the first fits the quota, the second would exceed it.
      await expect(r.runPass(task, signal, ['0xaaa'])).rejects.toThrow(QuotaExceededError);
      expect(server.requests.length - before).toBe(1);
      await expect(r.runPass(task, signal, ['0xaaa'])).rejects.toThrow(`monthly quota exhausted (${used + 1} of ${used + 1} used`);
    } finally {
      await fresh.end();
    }
  });
});

describe('http source: page and offset pagination', () => {
  let db: TestDatabase;
  let server: LoopbackServer;
  // Five sales; the provider pages them two at a time.
  const SALES = [5, 6, 7, 8, 9].map((p, i) => ({ id: `s${i}`, price: p, ts: 1_700_000_000 + i * 60 }));

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await loopbackServer((url, _req, res) => {
      if (url.pathname === '/paged') {
        const page = Number(url.searchParams.get('p'));
        const size = Number(url.searchParams.get('per'));
        return sendJson(res, { data: { sales: SALES.slice((page - 1) * size, page * size) } });
      }
      const offset = Number(url.searchParams.get('offset'));
      const limit = Number(url.searchParams.get('limit'));
      sendJson(res, { sales: SALES.slice(offset, offset + limit) });
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  async function pass(source: Record<string, unknown>) {
    const cfg = parseConfig({ sources: [source] });
    return new SourceRunner(await createSource(cfg.sources[0], '.'), db.pool, log).runPass(task, signal);
  }
  const stored = async (name: string) => (await db.pool.query(`SELECT s.labels->>'sale' AS sale, p.value::float8 AS v, (extract(epoch FROM p.ts))::int8 AS t
    FROM metric_points p JOIN metric_series s ON s.id = p.series_id WHERE s.name = $1 ORDER BY t`, [name])).rows;
  const expected = SALES.map((s) => ({ sale: s.id, v: s.price, t: s.ts }));

  it('pages until a short page (page numbers from 1, page size sent)', async () => {
    server.requests.length = 0;
    const r = await pass({ id: 'paged', type: 'http', url: `${server.url}/paged`, pagination: { type: 'page', param: 'p', sizeParam: 'per', size: 2 },
      metrics: [{ name: 'sale_paged', each: 'data.sales', value: 'price', time: 'ts', labels: { sale: '$id' } }] });
    expect(r).toMatchObject({ rows: 5, errors: [] });
    expect(server.requests.map((u) => u.search)).toEqual(['?p=1&per=2', '?p=2&per=2', '?p=3&per=2']);
    expect(await stored('sale_paged')).toEqual(expected);
  });

  it('pages by offset until an empty or short page', async () => {
    server.requests.length = 0;
    const r = await pass({ id: 'offset', type: 'http', url: `${server.url}/offset`, pagination: { type: 'offset', limit: 2 },
      metrics: [{ name: 'sale_offset', each: 'sales[*]', value: 'price', time: 'ts', labels: { sale: '$id' } }] });
    expect(r).toMatchObject({ rows: 5, errors: [] });
    expect(server.requests.map((u) => u.search)).toEqual(['?offset=0&limit=2', '?offset=2&limit=2', '?offset=4&limit=2']);
    expect(await stored('sale_offset')).toEqual(expected);
  });
});
