// The native analytics routes over a real socket, on the hand-checkable seed.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { computeAnalytics } from '../src/analytics/compute.js';
import { parseConfig } from '../src/config/load.js';
import { writeMetrics, writeOrderBooks } from '../src/ingest/writers.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { NOW, seedMarkets } from './helpers/analytics-seed.js';
import { listenOnLoopback } from './helpers/http.js';

const config = parseConfig({ analytics: { fx: { EUR: 1.25 } } });
let db: TestDatabase;
let base: string;
let close: () => Promise<void>;
let pks: Map<string, number>;

async function get(path: string, headers: Record<string, string> = {}) {
  const r = await fetch(base + path, { headers });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  db = await createTestDatabase();
  pks = await seedMarkets(db.pool);
  const app = await buildApi({ pool: db.pool, config, log: pino({ level: 'silent' }) });
  base = await listenOnLoopback(app);
  close = () => app.close();
});
afterAll(async () => {
  await close?.();
  await db?.drop();
});

describe('before the first analytics run', () => {
  it('answers 503 with Retry-After, not an empty result', async () => {
    const r = await get('/v1/assets/BTC/price');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('60');
    expect(r.body.message).toMatch(/not been computed yet/);
    expect((await get('/v1/rankings')).status).toBe(503);
    await computeAnalytics(db.pool, config.analytics, NOW);
  });
});

describe('prices', () => {
  it('serves the aggregated price with venues, exclusions, and any vs currency', async () => {
    const r = await get('/v1/assets/btc/price?vs=eur');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ asset: 'BTC', vs: 'eur', price: expect.closeTo(100.75 / 1.25, 10), price_usd: expect.closeTo(100.75, 10) });
    expect(r.body.excluded.map((e: { reason: string }) => e.reason).sort()).toEqual(['outlier', 'stale']);
    expect((await get('/v1/assets/BTC/price?vs=eth')).body.price).toBeCloseTo(100.75 / 2000, 12);
    const bad = await get('/v1/assets/BTC/price?vs=zzz');
    expect([bad.status, bad.body.field]).toEqual([400, 'vs']);
    expect((await get('/v1/assets/NOPE/price')).status).toBe(404);
    const many = await get('/v1/prices?assets=BTC,XRP,NOPE&vs=usd,btc');
    expect(many.body.vs).toEqual(['usd', 'btc']);
    expect(many.body.prices.XRP.usd).toBeCloseTo(1, 12);
    expect(many.body.prices.XRP.btc).toBeCloseTo(1 / 100.75, 12);
    expect(many.body.missing).toEqual(['NOPE']);
  });

  it('sends ETag and Cache-Control and answers 304 to a matching If-None-Match', async () => {
    const r = await get('/v1/assets/BTC/price');
    const etag = r.headers.get('etag')!;
    expect(etag).toMatch(/^"/);
    expect(r.headers.get('cache-control')).toBe('public, max-age=60, stale-while-revalidate=300');
    const again = await fetch(`${base}/v1/assets/BTC/price`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('serves asset statistics in the asked currency with each market', async () => {
    const r = await get('/v1/assets/BTC/stats?vs=eur');
    expect(r.body).toMatchObject({ asset: 'BTC', vs: 'eur', volume_usd: expect.closeTo(832, 9), volume: expect.closeTo(832 / 1.25, 9), trades: 7, base_volume: 8 });
    expect(r.body.markets.map((m: { market: string }) => m.market)).toEqual(['b:BTC-USDT', 'a:BTC-USDT', 'c:BTC-USDT', 'd:BTC-USDT']);
  });
});

describe('rankings and trending', () => {
  it('ranks markets by USD volume and change, assets by volume', async () => {
    const v = await get('/v1/rankings?by=volume&kind=market&limit=3');
    expect(v.body.items.map((i: { id: string; value: number; rank: number }) => [i.rank, i.id, i.value])).toEqual([
      [1, 'd:ETH-USDT', 2000], [2, 'a:XRP-ETH', expect.closeTo(1000, 9)], [3, 'b:BTC-USDT', 311],
    ]);
    // single-trade markets have 0 % change; a rose 100 → 102 (+2 %), b 100 → 101 (+1 %)
    const c = await get('/v1/rankings?by=change&kind=market');
    expect(c.body.items.slice(0, 2).map((i: { id: string; value: number }) => [i.id, i.value])).toEqual([['a:BTC-USDT', expect.closeTo(2, 10)], ['b:BTC-USDT', expect.closeTo(1, 10)]]);
    const a = await get('/v1/rankings?by=volume&kind=asset');
    expect(a.body.items.map((i: { id: string; value: number }) => [i.id, i.value])).toEqual([['ETH', 2000], ['XRP', expect.closeTo(1000, 9)], ['BTC', expect.closeTo(832, 9)]]);
    const vol = await get('/v1/rankings?by=volatility&kind=market');
    expect(vol.body.items.map((i: { id: string }) => i.id)).toEqual(['b:BTC-USDT']); // the only market with two hourly returns
  });

  it('ranks metric series and shows one series\' 24 h history with its rank', async () => {
    const now = Date.now();
    const pts = [
      { name: 'pair_volume', labels: { pair: 'ETH-USDC' }, ts: now - 2 * 3_600_000, value: '100' },
      { name: 'pair_volume', labels: { pair: 'ETH-USDC' }, ts: now - 600_000, value: '300' },
      { name: 'pair_volume', labels: { pair: 'WBTC-ETH' }, ts: now - 600_000, value: '500' },
      { name: 'pair_volume', labels: { pair: 'OLD-ETH' }, ts: now - 3 * 86_400_000, value: '50' },
    ];
    await writeMetrics(db.pool, pts, 't', 'm', {});
    const h = await get('/v1/metrics/pair_volume/history?labels=pair:ETH-USDC');
    expect(h.body).toEqual({ name: 'pair_volume', labels: { pair: 'ETH-USDC' }, value: 300, rank: 2, peers: 3, points: [[now - 2 * 3_600_000, 100], [now - 600_000, 300]] });
    expect((await get('/v1/metrics/pair_volume/history?labels={"pair":"nope"}')).status).toBe(404);
    expect((await get('/v1/metrics/pair_volume/history?labels=oops')).body.field).toBe('labels');
    const r = await get('/v1/rankings?kind=metric&by=volume&name=pair_volume');
    expect(r.body.items.map((i: { labels: { pair: string }; value: number }) => [i.labels.pair, i.value])).toEqual([['WBTC-ETH', 500], ['ETH-USDC', 300], ['OLD-ETH', 50]]);
    // ETH-USDC: last-hour mean 300 ÷ 7-day mean 200 = 1.5; WBTC-ETH 500 ÷ 500 = 1
    const t = await get('/v1/trending?kind=metric');
    expect(t.body.items.map((i: { labels: { pair: string }; value: number }) => [i.labels.pair, i.value])).toEqual([['ETH-USDC', 1.5], ['WBTC-ETH', 1]]);
  });

  it('trends markets by last-hour volume over their own 7-day hourly average', async () => {
    const t = await get('/v1/trending?kind=market&limit=2');
    // every seeded market but a and b traded only inside the last hour: score 168; a 302/(392/168), b 101/(311/168)
    expect(t.body.items[0]).toMatchObject({ rank: 1, value: expect.closeTo(168, 9) });
    const all = await get('/v1/trending?kind=market&limit=10');
    const a = all.body.items.find((i: { id: string }) => i.id === 'a:BTC-USDT');
    expect(a.value).toBeCloseTo(302 / (392 / 168), 9);
  });
});

describe('order books and liquidity', () => {
  it('serves the latest snapshot and current liquidity in USD', async () => {
    const pk = pks.get('a:XRP-ETH')!;
    await writeOrderBooks(db.pool, [{ marketPk: pk, book: { ts: NOW - 1000, bids: [['0.00049', '100'], ['0.00048', '50']], asks: [['0.00051', '100'], ['0.0006', '10']] } }]);
    const ob = await get('/v1/markets/a:XRP-ETH/orderbook?depth=1');
    expect(ob.body).toEqual({ market: 'a:XRP-ETH', time: NOW - 1000, bids: [[0.00049, 100]], asks: [[0.00051, 100]], mid: 0.0005, spread_pct: expect.closeTo(4, 10) });
    const l = await get('/v1/markets/a:XRP-ETH/liquidity');
    // mid 0.0005, ±2 % = 0.00049..0.00051: 0.049 ETH each side at 2000 USD
    expect(l.body.current).toMatchObject({ depth_bid_usd: expect.closeTo(98, 9), depth_ask_usd: expect.closeTo(102, 9), cost_up_usd: expect.closeTo(0, 12) });
    expect(l.body.history).toEqual([]);
    expect((await get('/v1/markets/a:BTC-USDT/orderbook')).status).toBe(404);
  });
});

describe('token charts', () => {
  it('resolves by symbol, name or address; 404 unknown, 409 ambiguous with candidates', async () => {
    await db.pool.query(`UPDATE assets SET name = 'Ripple' WHERE id = 'XRP'`);
    await db.pool.query(`INSERT INTO asset_addresses (asset_id, platform, address) VALUES ('XRP', 'ethereum', '0x1111111111111111111111111111111111111111')`);
    const c = await get('/v1/tokens/0x1111111111111111111111111111111111111111/chart?unit_hours=1&volume=true&usd=true&from=' + (NOW - 3_600_000));
    expect(c.status).toBe(200);
    expect(c.body.market).toBe('a:XRP-ETH');
    expect(c.body.columns).toEqual(['time', 'open', 'high', 'low', 'close', 'volume', 'close_usd']);
    // ETH's own hourly close in that bucket is 2000 USD
    expect(c.body.data).toEqual([[NOW - 3_600_000, 0.0005, 0.0005, 0.0005, 0.0005, 1000, expect.closeTo(1, 12)]]);
    expect((await get('/v1/tokens/ripple/chart')).body.token.id).toBe('XRP');
    expect((await get('/v1/tokens/NOPE/chart')).status).toBe(404);
    await db.pool.query(`INSERT INTO assets (id, symbol, name) VALUES ('XRP2', 'XRP', 'Wrapped XRP')`);
    const amb = await get('/v1/tokens/xrp/chart');
    expect(amb.status).toBe(409);
    expect(amb.body.candidates.map((x: { id: string }) => x.id)).toEqual(['XRP', 'XRP2']);
  });
});
