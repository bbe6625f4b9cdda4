// The CoinGecko-compatible API: every route's answer validated against CoinGecko's own
// OpenAPI schemas, and the numbers checked against the hand-computed seed.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { computeAnalytics } from '../src/analytics/compute.js';
import { parseConfig } from '../src/config/load.js';
import { writeOrderBooks } from '../src/ingest/writers.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { seedMarkets } from './helpers/analytics-seed.js';
import { specErrors } from './helpers/coingecko-spec.js';
import { listenOnLoopback } from './helpers/http.js';

const config = parseConfig({ analytics: { fx: { EUR: 1.25 } } });
const NOW = Math.floor(Date.now() / 60_000) * 60_000;
const CG = '/coingecko/api/v3';
let db: TestDatabase;
let base: string;
let close: () => Promise<void>;

async function get(path: string) {
  const r = await fetch(base + CG + path);
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: JSON.parse(text) };
}

/** GET and validate against the spec path's 200 schema. */
async function valid(path: string, specPath: string) {
  const r = await get(path);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(specErrors(specPath, r.body), specPath).toEqual([]);
  return r.body;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const pks = await seedMarkets(db.pool, NOW);
  await writeOrderBooks(db.pool, [{ marketPk: pks.get('b:BTC-USDT')!, book: { ts: NOW - 1000, bids: [['99', '1'], ['95', '1']], asks: [['101', '1'], ['105', '1']] } }]);
  await db.pool.query(`UPDATE assets SET name = 'Bitcoin' WHERE id = 'BTC'`);
  await db.pool.query(`INSERT INTO asset_addresses (asset_id, platform, address) VALUES ('ETH', 'ethereum', '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2')`);
  const app = await buildApi({ pool: db.pool, config, log: pino({ level: 'silent' }) });
  base = await listenOnLoopback(app);
  close = () => app.close();
});
afterAll(async () => {
  await close?.();
  await db?.drop();
});

describe('CoinGecko v3', () => {
  it('answers 503 with Retry-After before the first analytics run, then serves', async () => {
    const r = await get('/simple/price?ids=btc&vs_currencies=usd');
    expect([r.status, r.headers.get('retry-after'), typeof r.body.error]).toEqual([503, '60', 'string']);
    await valid('/ping', '/ping');
    await computeAnalytics(db.pool, config.analytics, NOW);
  });

  it('simple/price with every include flag and precision; errors in CoinGecko\'s shape', async () => {
    const b = await valid('/simple/price?ids=btc,xrp&vs_currencies=usd,eur&include_market_cap=true&include_24hr_vol=true&include_24hr_change=true&include_last_updated_at=true&precision=2', '/simple/price');
    expect(b.btc).toEqual({
      usd: 100.75, usd_market_cap: null, usd_24h_vol: expect.closeTo(832, 9), usd_24h_change: expect.any(Number),
      eur: 80.6, eur_market_cap: null, eur_24h_vol: expect.closeTo(832 / 1.25, 9), eur_24h_change: expect.any(Number),
      last_updated_at: NOW / 1000,
    });
    expect(b.xrp.usd).toBe(1);
    expect((await valid('/simple/price?symbols=btc&vs_currencies=eth', '/simple/price')).btc.eth).toBeCloseTo(100.75 / 2000, 12);
    expect((await valid('/simple/price?names=Bitcoin&vs_currencies=usd', '/simple/price')).Bitcoin.usd).toBeCloseTo(100.75, 10);
    expect(await get('/simple/price?ids=btc&vs_currencies=zzz')).toMatchObject({ status: 400, body: { error: 'invalid vs_currency' } });
    const sv = await valid('/simple/supported_vs_currencies', '/simple/supported_vs_currencies');
    expect(sv[0]).toBe('usd');
    expect(sv).toEqual(expect.arrayContaining(['usd', 'eur', 'btc', 'eth', 'xrp']));
    const tp = await valid('/simple/token_price/ethereum?contract_addresses=0xC02aaa39b223FE8D0A0e5C4F27eAD9083C756Cc2&vs_currencies=usd', '/simple/token_price/{id}');
    expect(tp).toEqual({ '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2': { usd: 2000 } });
  });

  it('coins/list, coins/markets (order, paging, sparkline, price_change_percentage), coins/{id}', async () => {
    const l = await valid('/coins/list?include_platform=true', '/coins/list');
    expect(l.find((c: { id: string }) => c.id === 'eth')).toEqual({ id: 'eth', symbol: 'eth', name: 'ETH', platforms: { ethereum: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2' } });
    const m = await valid('/coins/markets?vs_currency=usd&order=volume_desc&sparkline=true&price_change_percentage=1h,24h,7d,1y', '/coins/markets');
    expect(m.map((c: { id: string }) => c.id)).toEqual(['eth', 'xrp', 'btc']);
    const btc = m[2];
    expect(btc).toMatchObject({ id: 'btc', name: 'Bitcoin', current_price: expect.closeTo(100.75, 10), total_volume: expect.closeTo(832, 9), market_cap: null, image: null, price_change_percentage_1y_in_currency: null });
    expect(btc.sparkline_in_7d.price.length).toBeGreaterThan(0);
    expect((await valid('/coins/markets?vs_currency=usd&order=id_asc&per_page=1&page=2', '/coins/markets')).map((c: { id: string }) => c.id)).toEqual(['eth']);
    const coin = await valid('/coins/btc?sparkline=true', '/coins/{id}');
    expect(coin.market_data.current_price.eur).toBeCloseTo(80.6, 10);
    expect(coin.tickers).toHaveLength(4);
    expect(await get('/coins/nope')).toMatchObject({ status: 404, body: { error: 'coin not found' } });
  });

  it('tickers, charts with CoinGecko granularity, OHLC, history', async () => {
    const t = await valid('/coins/btc/tickers?depth=true', '/coins/{id}/tickers');
    const b = t.tickers.find((x: { market: { identifier: string } }) => x.market.identifier === 'b');
    expect(b).toMatchObject({ base: 'BTC', target: 'USDT', last: 101, volume: 3, bid_ask_spread_percentage: 2, is_anomaly: false, converted_last: { usd: 101 } });
    expect(t.tickers.find((x: { market: { identifier: string } }) => x.market.identifier === 'c').is_anomaly).toBe(true);
    const ch = await valid('/coins/btc/market_chart?vs_currency=usd&days=1', '/coins/{id}/market_chart');
    // main market b (most USD volume); 5-minute buckets for one day
    expect(ch.prices.map((p: number[]) => p[1])).toEqual([100, 110, 101]);
    expect(ch.prices.every((p: number[]) => p[0] % 300_000 === 0)).toBe(true);
    await valid(`/coins/btc/market_chart/range?vs_currency=eur&from=${(NOW - 86_400_000) / 1000}&to=${NOW / 1000}`, '/coins/{id}/market_chart/range');
    const o = await valid('/coins/btc/ohlc?vs_currency=usd&days=1', '/coins/{id}/ohlc');
    const slot = (ago: number) => Math.floor((NOW - ago) / 1_800_000) * 1_800_000 + 1_800_000; // 30-minute candles, stamped at close
    expect(o).toEqual([[slot(3 * 3_600_000), 100, 100, 100, 100], [slot(2 * 3_600_000), 110, 110, 110, 110], [slot(20 * 60_000), 101, 101, 101, 101]]);
    const d = new Date(NOW + 86_400_000);
    const date = `${String(d.getUTCDate()).padStart(2, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${d.getUTCFullYear()}`;
    const h = await valid(`/coins/eth/history?date=${date}`, '/coins/{id}/history');
    expect(h.market_data.current_price.usd).toBe(2000);
  });

  it('exchanges, search, trending, global', async () => {
    const ex = await valid('/exchanges', '/exchanges');
    expect(ex.map((e: { id: string }) => e.id)).toEqual(['d', 'a', 'b', 'c']);
    expect(ex[0].trade_volume_24h_btc).toBeCloseTo((2000 + 99) / 100.75, 9);
    const one = await valid('/exchanges/a', '/exchanges/{id}');
    expect([one.coins, one.pairs]).toEqual([2, 2]);
    await valid('/exchanges/a/tickers', '/exchanges/{id}/tickers');
    expect((await get('/exchanges/zz')).status).toBe(404);
    const s = await valid('/search?query=bit', '/search');
    expect(s.coins.map((c: { id: string }) => c.id)).toEqual(['btc']);
    await valid('/search/trending', '/search/trending');
    const g = await valid('/global', '/global');
    expect(g.data).toMatchObject({ active_cryptocurrencies: 3, markets: 6, total_volume: { usd: expect.closeTo(2000 + 1000 + 832, 9) } });
  });
});
