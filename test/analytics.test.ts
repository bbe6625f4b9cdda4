// Aggregated prices, USD conversion and 24 h statistics against hand-computed values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregatePrice } from '../src/analytics/aggregate.js';
import { computeAnalytics } from '../src/analytics/compute.js';
import { parseConfig } from '../src/config/load.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { NOW, seedMarkets } from './helpers/analytics-seed.js';

const cfg = parseConfig({}).analytics;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedMarkets(db.pool);
  expect(await computeAnalytics(db.pool, cfg, NOW)).toEqual({ markets: 6, assets: 3, prices: 3 });
});
afterAll(async () => db?.drop());

const price = async (asset: string) => (await db.pool.query(`SELECT price_usd::float8 AS p, confidence::float8 AS c, venues, excluded, (extract(epoch FROM ts) * 1000)::int8 AS ts FROM asset_prices WHERE asset_id = $1`, [asset])).rows[0];
const mstat = async (id: string) => (await db.pool.query(`SELECT s.* FROM market_stats s JOIN markets m ON m.pk = s.market_pk WHERE m.id = $1`, [id])).rows[0];

describe('aggregated price', () => {
  it('volume-weights the agreeing venues and reports the outlier and the stale venue', async () => {
    const p = await price('BTC');
    // a: 302 USDT for 3 BTC, b: 101 for 1 → 403 / 4; c (120) is 18.8 % off the median 101; d last traded 8 h ago.
    expect(p.p).toBeCloseTo(100.75, 10);
    expect(p.venues.map((v: { market: string }) => v.market).sort()).toEqual(['a:BTC-USDT', 'b:BTC-USDT']);
    expect(p.excluded.map((e: { market: string; reason: string }) => [e.market, e.reason]).sort()).toEqual([['c:BTC-USDT', 'outlier'], ['d:BTC-USDT', 'stale']]);
    expect(p.excluded.find((e: { reason: string }) => e.reason === 'outlier').deviation).toBeCloseTo(120 / 101 - 1, 10);
    // coverage 403/523 × agreement (1 − (101/100.75 − 1)/0.05) × two venues 0.9
    expect(p.c).toBeCloseTo((403 / 523) * (1 - (101 / 100.75 - 1) / 0.05) * 0.9, 4);
    // newest used data: the minute candle of a's trade 10 min ago ends 9 min before now
    expect(p.ts).toBe(NOW - 9 * 60_000);
  });

  it('converts through an ETH quote: XRP = 0.0005 ETH × 2000 USD', async () => {
    expect((await price('ETH')).p).toBe(2000);
    const x = await price('XRP');
    expect(x.p).toBeCloseTo(1, 12);
    expect(x.venues[0].volume_usd).toBeCloseTo(1000, 9);
  });

  it('falls back to the median when no venue agrees, and is null when all are stale', () => {
    const o = { now: 1000, staleAfter: 100, outlierBand: 0.01 };
    const r = aggregatePrice([
      { market: 'x', price: 1, priceUsd: 1, volumeUsd: 1, baseVolume: 1, lastAt: 950 },
      { market: 'y', price: 2, priceUsd: 2, volumeUsd: 6, baseVolume: 3, lastAt: 990 },
    ], o)!;
    expect(r.priceUsd).toBe(1.75);
    expect(r.confidence).toBe(0);
    expect(aggregatePrice([{ market: 'x', price: 1, priceUsd: 1, volumeUsd: 1, baseVolume: 1, lastAt: 1 }], o)).toBeNull();
  });
});

describe('24 h statistics', () => {
  it('per market: last, open, high, low, change, volumes, VWAP, 1 h change, trend', async () => {
    const s = await mstat('a:BTC-USDT');
    const n = (x: string | null) => (x === null ? null : Number(x));
    expect({ last: n(s.last), open: n(s.open), high: n(s.high), low: n(s.low), change: n(s.change), change_pct: n(s.change_pct), base: n(s.base_volume), quote: n(s.quote_volume), usd: n(s.usd_volume), trades: s.trades })
      .toEqual({ last: 102, open: 100, high: 102, low: 100, change: 2, change_pct: expect.closeTo(2, 10), base: 3, quote: 302, usd: 302, trades: 2 });
    expect(n(s.vwap)).toBeCloseTo(302 / 3, 10);
    expect(n(s.change_1h_pct)).toBeCloseTo((102 / 90 - 1) * 100, 10); // the last close before now − 1 h is the 90 trade
    expect(s.change_7d_pct).toBeNull();
    // last hour 302 USD ÷ (7-day volume (90 + 302) / 168)
    expect(n(s.trend_score)).toBeCloseTo(302 / (392 / 168), 9);
    const b = await mstat('b:BTC-USDT');
    const r = [Math.log(110 / 100), Math.log(101 / 110)];
    const mean = (r[0] + r[1]) / 2;
    expect(n(b.volatility)).toBeCloseTo(Math.sqrt((r[0] - mean) ** 2 + (r[1] - mean) ** 2), 12);
    const x = await mstat('a:XRP-ETH');
    expect([n(x.usd_volume), n(x.last_usd)]).toEqual([expect.closeTo(1000, 9), expect.closeTo(1, 12)]);
  });

  it('per asset: volumes add up over all venues, trades counted', async () => {
    const s = (await db.pool.query(`SELECT * FROM asset_stats WHERE asset_id = 'BTC'`)).rows[0];
    expect(Number(s.volume_usd)).toBeCloseTo(302 + 311 + 120 + 99, 9);
    expect(Number(s.base_volume)).toBe(3 + 3 + 1 + 1);
    expect(s.trades).toBe(7);
    expect(s.markets).toBe(4);
    expect(Number(s.price_usd)).toBeCloseTo(100.75, 10);
  });
});
