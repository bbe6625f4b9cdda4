// Exchange-listing APIs: exact field lists as CoinGecko's and CoinMarketCap's specs publish
// them (trading_pairs, trade_timestamp, liquidity_in_usd), venue scoping, values from the seed.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { computeAnalytics } from '../src/analytics/compute.js';
import { parseConfig } from '../src/config/load.js';
import { writeOrderBooks } from '../src/ingest/writers.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { NOW, seedMarkets } from './helpers/analytics-seed.js';
import { listenOnLoopback } from './helpers/http.js';

const config = parseConfig({ analytics: { listingVenue: 'a' } });
let db: TestDatabase;
let base: string;
let close: () => Promise<void>;
const get = async (p: string) => {
  const r = await fetch(base + p);
  return { status: r.status, body: await r.json() };
};
const keys = (o: object) => Object.keys(o).sort();

beforeAll(async () => {
  db = await createTestDatabase();
  const pks = await seedMarkets(db.pool);
  await writeOrderBooks(db.pool, [{ marketPk: pks.get('a:BTC-USDT')!, book: { ts: NOW - 1000, bids: [['99', '1'], ['98', '2'], ['90', '1']], asks: [['101', '1'], ['102', '3'], ['110', '1']] } }]);
  await computeAnalytics(db.pool, config.analytics, NOW);
  const app = await buildApi({ pool: db.pool, config, log: pino({ level: 'silent' }) });
  base = await listenOnLoopback(app);
  close = () => app.close();
});
afterAll(async () => {
  await close?.();
  await db?.drop();
});

describe('CoinGecko exchange integration', () => {
  it('pairs and tickers with exactly the published fields, scoped to the configured venue', async () => {
    const pairs = (await get('/integrations/coingecko/pairs')).body;
    expect(pairs).toEqual([
      { ticker_id: 'BTC_USDT', base: 'BTC', target: 'USDT', pool_id: 'a:BTC-USDT' },
      { ticker_id: 'XRP_ETH', base: 'XRP', target: 'ETH', pool_id: 'a:XRP-ETH' },
    ]);
    const t = (await get('/integrations/coingecko/tickers')).body;
    expect(keys(t[0])).toEqual(['ask', 'base_currency', 'base_volume', 'bid', 'high', 'last_price', 'liquidity_in_usd', 'low', 'pool_id', 'target_currency', 'target_volume', 'ticker_id']);
    // mid 100: bids ≥ 98 → 99 + 196, asks ≤ 102 → 101 + 306, USDT = 1 USD
    expect(t[0]).toEqual({ ticker_id: 'BTC_USDT', base_currency: 'BTC', target_currency: 'USDT', pool_id: 'a:BTC-USDT', last_price: 102, base_volume: 3, target_volume: 302, liquidity_in_usd: 702, bid: 99, ask: 101, high: 102, low: 100 });
    // another venue by query; unscoped, each pair comes from its busiest venue
    expect((await get('/integrations/coingecko/pairs?venue=d')).body.map((p: { ticker_id: string }) => p.ticker_id)).toEqual(['BTC_USDT', 'ETH_USDT']);
  });

  it('orderbook and historical_trades', async () => {
    const ob = (await get('/integrations/coingecko/orderbook?ticker_id=BTC_USDT&depth=2')).body;
    expect(ob).toEqual({ ticker_id: 'BTC_USDT', timestamp: NOW - 1000, bids: [[99, 1]], asks: [[101, 1]] });
    expect((await get('/integrations/coingecko/orderbook?ticker_id=BTC_USDT')).body.asks).toHaveLength(3);
    expect((await get('/integrations/coingecko/orderbook?ticker_id=NOPE_X')).status).toBe(404);
    const h = (await get('/integrations/coingecko/historical_trades?ticker_id=BTC_USDT&limit=2')).body;
    expect(keys(h)).toEqual(['buy', 'sell']);
    expect(h.buy).toEqual([
      { trade_id: 'aBTC/USDT2', price: 102, base_volume: 1, target_volume: 102, trade_timestamp: NOW - 600_000, type: 'buy' },
      { trade_id: 'aBTC/USDT1', price: 100, base_volume: 2, target_volume: 200, trade_timestamp: NOW - 1_800_000, type: 'buy' },
    ]);
    expect((await get('/integrations/coingecko/historical_trades?ticker_id=BTC_USDT&type=sell')).body).toEqual({ buy: [], sell: [] });
  });
});

describe('CoinMarketCap exchange integration', () => {
  it('summary, assets, ticker with exactly the published fields', async () => {
    const s = (await get('/integrations/cmc/summary')).body;
    expect(keys(s[0])).toEqual(['base_currency', 'base_volume', 'highest_bid', 'highest_price_24h', 'last_price', 'lowest_ask', 'lowest_price_24h', 'price_change_percent_24h', 'quote_currency', 'quote_volume', 'trading_pairs']);
    expect(s[0]).toMatchObject({ trading_pairs: 'BTC_USDT', lowest_ask: 101, highest_bid: 99, price_change_percent_24h: expect.closeTo(2, 10), highest_price_24h: 102, lowest_price_24h: 100 });
    const a = (await get('/integrations/cmc/assets')).body;
    expect(Object.keys(a)).toEqual(['BTC', 'ETH', 'USDT', 'XRP']);
    expect(keys(a.BTC)).toEqual(['can_deposit', 'can_withdraw', 'maker_fee', 'max_withdraw', 'min_withdraw', 'name', 'taker_fee', 'unified_cryptoasset_id']);
    const t = (await get('/integrations/cmc/ticker')).body;
    expect(t).toEqual({
      BTC_USDT: { base_id: null, quote_id: null, last_price: 102, base_volume: 3, quote_volume: 302, isFrozen: 0 },
      XRP_ETH: { base_id: null, quote_id: null, last_price: 0.0005, base_volume: 1000, quote_volume: 0.5, isFrozen: 0 },
    });
  });

  it('orderbook/{market_pair} and trades/{market_pair}', async () => {
    expect((await get('/integrations/cmc/orderbook/BTC_USDT?level=1')).body).toEqual({ timestamp: NOW - 1000, bids: [[99, 1]], asks: [[101, 1]] });
    expect((await get('/integrations/cmc/orderbook/BTC_USDT?level=2')).status).toBe(400);
    const tr = (await get('/integrations/cmc/trades/XRP_ETH')).body;
    expect(tr).toEqual([{ trade_id: 'aXRP/ETH0', price: 0.0005, base_volume: 1000, quote_volume: 0.5, timestamp: NOW - 720_000, type: 'buy' }]);
    expect((await get('/integrations/cmc/trades/BTC_EUR')).status).toBe(404);
  });
});
