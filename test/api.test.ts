// The HTTP API over a real loopback socket, on data ingested from the recorded trades.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { parseConfig } from '../src/config/load.js';
import { upsertMarkets, upsertVenue } from '../src/ingest/catalog.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { writeTrades } from '../src/ingest/writers.js';
import { createSource } from '../src/sources/registry.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { FIXTURES, xrpEthTrades } from './helpers/fixtures.js';
import { referenceCandles, type RefTrade } from './helpers/reference.js';
import { listenOnLoopback } from './helpers/http.js';

const raw = xrpEthTrades();
const refTrades: RefTrade[] = raw.map(([ts, id, , , price, amount]) => ({ ts, id, price: String(price), amount: String(amount) }));
const M = 'binance:XRP-ETH';

let db: TestDatabase;
let base: string;
let close: () => Promise<void>;

async function get(path: string): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(base + path);
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
}

beforeAll(async () => {
  db = await createTestDatabase();
  const config = parseConfig({ sources: [{ id: 'fx', type: 'replay', venue: 'binance', market: 'XRP/ETH', file: 'market/XRP_ETH-trades.json.gz' }] });
  const log = pino({ level: 'silent' });
  await new SourceRunner(await createSource(config.sources[0], FIXTURES), db.pool, log).runPass({ kind: 'trades', every: null }, new AbortController().signal);
  const app = await buildApi({ pool: db.pool, config, log });
  base = await listenOnLoopback(app);
  close = () => app.close();
});
afterAll(async () => {
  await close?.();
  await db?.drop();
});

describe('markets', () => {
  it('lists markets and shows one', async () => {
    const list = await get('/v1/markets');
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    const m = list.body.markets[0];
    expect(m).toMatchObject({ id: M, venue: 'binance', symbol: 'XRP/ETH', base: 'XRP', quote: 'ETH', candle_source: 'trades', first_trade_at: raw[0][0], last_trade_at: raw.at(-1)![0] });
    expect((await get(`/v1/markets/${M}`)).body).toEqual(m);
    expect((await get('/v1/markets?quote=eth')).body.total).toBe(1);
    expect((await get('/v1/markets?venue=kraken')).body).toEqual({ markets: [], total: 0 });
  });

  it('answers an unknown market with a 404 naming it', async () => {
    const r = await get('/v1/markets/binance:NOPE-ETH/candles');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'unknown market "binance:NOPE-ETH"' });
    expect((await get('/v1/markets/XRPETH')).body.message).toMatch(/market ids look like venue:BASE-QUOTE/);
  });
});

describe('candles', () => {
  it('serves hourly candles equal to the independent computation', async () => {
    const r = await get(`/v1/markets/${M}/candles?resolution=1h&from=2019-10-11T00:00:00Z&limit=5000`);
    expect(r.status).toBe(200);
    const want = referenceCandles(refTrades, 3600);
    expect(r.body.resolution).toBe('1h');
    expect(r.body.candles).toEqual(want.map((c) => ({
      time: c.time, open: c.open.toNumber(), high: c.high.toNumber(), low: c.low.toNumber(), close: c.close.toNumber(),
      volume: c.volume.toNumber(), quote_volume: c.quoteVolume.toNumber(), trades: c.trades, vwap: expect.closeTo(c.quoteVolume.div(c.volume).toNumber(), 15),
    })));
  });

  it('rolls up any multiple (2h) and pages backwards from `to` with the latest `limit`', async () => {
    const want = referenceCandles(refTrades, 7200);
    const r = await get(`/v1/markets/${M}/candles?resolution=2h&limit=3&format=array`);
    expect(r.body.candles).toEqual(want.slice(-3).map((c) => [c.time, c.open.toNumber(), c.high.toNumber(), c.low.toNumber(), c.close.toNumber(), c.volume.toNumber()]));
    const older = await get(`/v1/markets/${M}/candles?resolution=2h&limit=3&format=array&to=${want.at(-3)!.time}`);
    expect(older.body.candles.map((c: number[]) => c[0])).toEqual(want.slice(-6, -3).map((c) => c.time));
  });

  it('takes times as ISO-8601 or epoch milliseconds', async () => {
    const a = await get(`/v1/markets/${M}/candles?resolution=15m&from=2019-10-12T00:00:00Z&to=2019-10-12T03:00:00Z`);
    const b = await get(`/v1/markets/${M}/candles?resolution=15m&from=${Date.UTC(2019, 9, 12)}&to=${Date.UTC(2019, 9, 12, 3)}`);
    expect(a.body.candles.length).toBeGreaterThan(0);
    expect(a.body.candles.length).toBeLessThanOrEqual(12);
    expect(b.body).toEqual(a.body);
  });

  it.each([
    ['resolution=7x', 'resolution', /"7x" is not a resolution/],
    ['resolution=0m', 'resolution', /is not a resolution/],
    ['limit=abc', 'limit', /limit: must be integer/],
    ['limit=0', 'limit', /limit: must be >= 1/],
    ['limit=999999', 'limit', /limit: must be <= 5000/],
    ['from=yesterday', 'from', /from: "yesterday" is not a time/],
    ['from=2019-10-12&to=2019-10-11', 'from', /from: must be before to/],
    ['fill=maybe', 'fill', /fill: /],
  ])('rejects %s with a 400 naming %s', async (qs, field, message) => {
    const r = await get(`/v1/markets/${M}/candles?${qs}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ statusCode: 400, error: 'Bad Request', field, message: expect.stringMatching(message) });
  });
});

describe('trades', () => {
  it('pages through every trade exactly once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await get(`/v1/markets/${M}/trades?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.trades.map((t: { id: string }) => t.id));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor && pages < 50);
    expect(pages).toBe(Math.ceil(raw.length / 1000));
    expect(new Set(seen).size).toBe(raw.length);
    expect(seen[0]).toBe(raw.at(-1)![1]);
  });

  it('serves a time range oldest first, with exact values', async () => {
    const from = raw[100][0];
    const to = raw[200][0];
    const r = await get(`/v1/markets/${M}/trades?from=${from}&to=${to}&order=asc&limit=5000`);
    const want = raw.filter((t) => t[0] >= from && t[0] < to);
    expect(r.body.trades.map((t: { id: string }) => t.id).sort()).toEqual(want.map((t) => t[1]).sort());
    const first = r.body.trades[0];
    const w = raw.find((t) => t[1] === first.id)!;
    expect(first).toEqual({ id: w[1], time: w[0], price: w[4], amount: w[5], cost: Number((BigInt(Math.round(w[4] * 1e8)) * BigInt(Math.round(w[5] * 1e8))).toString()) / 1e16, side: w[3] });
  });

  it('rejects a cursor it did not issue', async () => {
    const r = await get(`/v1/markets/${M}/trades?cursor=bm9wZQ`);
    expect(r.status).toBe(400);
    expect(r.body.field).toBe('cursor');
  });
});

describe('tickers', () => {
  it('computes the rolling 24 h ticker from stored data', async () => {
    // Replay the fixture's last day as if it ended now, into a second market.
    await upsertVenue(db.pool, 'now', 'replay');
    const pk = (await upsertMarkets(db.pool, [{ venue: 'now', symbol: 'XRP/ETH', base: 'XRP', quote: 'ETH' }])).get('XRP/ETH')!.pk;
    const shift = Math.floor((Date.now() - raw.at(-1)![0]) / 60_000) * 60_000;
    const shifted = raw.map(([ts, id, , side, price, amount]) => ({ ts: ts + shift, id, side, price: String(price), amount: String(amount) }));
    await writeTrades(db.pool, pk, shifted, 'test', 'x', {});
    for (let attempt = 0; attempt < 3; attempt++) {
      const minuteBefore = Math.floor(Date.now() / 60_000);
      const r = await get('/v1/markets/now:XRP-ETH/ticker');
      if (Math.floor(Date.now() / 60_000) !== minuteBefore) continue; // the window moved during the request
      const m0 = (minuteBefore - 1439) * 60_000;
      const inWindow = shifted.filter((t) => t.ts >= m0);
      const day = referenceCandles(inWindow, 86400 * 30)[0]; // one bucket holding the whole window
      const first = referenceCandles(inWindow, 60)[0];
      expect(r.body).toMatchObject({
        market: 'now:XRP-ETH', source: 'trades', time: shifted.at(-1)!.ts,
        last: Number(shifted.at(-1)!.price), open: first.open.toNumber(), high: day.high.toNumber(), low: day.low.toNumber(),
        base_volume: day.volume.toNumber(), quote_volume: day.quoteVolume.toNumber(), trades: day.trades, bid: null, ask: null,
      });
      expect(r.body.change_percent).toBeCloseTo((Number(shifted.at(-1)!.price) / first.open.toNumber() - 1) * 100, 10);
      break;
    }
    const old = await get(`/v1/markets/${M}/ticker`);
    // Nothing in the last 24 h: a true zero volume, last price from the latest candle.
    expect(old.body).toMatchObject({ source: 'trades', last: raw.at(-1)![4], base_volume: 0, trades: 0, open: null });
    const all = await get('/v1/tickers');
    expect(all.body.tickers.map((t: { market: string }) => t.market)).toEqual([M, 'now:XRP-ETH']);
  });
});

describe('catalogue, docs and health', () => {
  it('lists assets and venues', async () => {
    expect((await get('/v1/assets')).body.assets).toEqual([
      { id: 'ETH', symbol: 'ETH', name: null, markets: 2, venues: ['binance', 'now'] },
      { id: 'XRP', symbol: 'XRP', name: null, markets: 2, venues: ['binance', 'now'] },
    ]);
    expect((await get('/v1/venues')).body.venues).toEqual([
      { id: 'binance', name: 'binance', kind: 'replay', markets: 1 },
      { id: 'now', name: 'now', kind: 'replay', markets: 1 },
    ]);
  });

  it('publishes an OpenAPI 3.1 document covering every route, and interactive docs', async () => {
    const doc = (await get('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/v1/markets', '/v1/markets/{market}', '/v1/markets/{market}/candles', '/v1/markets/{market}/trades', '/v1/markets/{market}/ticker', '/v1/tickers', '/v1/assets', '/v1/venues', '/healthz', '/readyz']) {
      expect(doc.paths[p]?.get, p).toBeDefined();
    }
    expect(doc.paths['/v1/markets/{market}/candles'].get.responses['400']).toBeDefined();
    const docs = await get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.body).toMatch(/swagger/i);
  });

  it('reports health and readiness; unknown routes are JSON 404s', async () => {
    expect((await get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await get('/readyz')).body).toMatchObject({ status: 'ready', database: { ok: true }, migrations: { ok: true, pending: [] } });
    expect(await get('/v2/nothing')).toMatchObject({ status: 404, body: { statusCode: 404, message: 'no route GET /v2/nothing' } });
  });

  it('compresses large responses', async () => {
    const r = await fetch(`${base}/v1/markets/${M}/trades?limit=2000`, { headers: { 'accept-encoding': 'gzip' } });
    expect(r.headers.get('content-encoding')).toBe('gzip');
    expect((await r.json()).trades).toHaveLength(2000);
  });
});
