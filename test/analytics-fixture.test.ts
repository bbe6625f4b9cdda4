// Analytics on the recorded XRP/ETH trades against an independent computation from the raw
// trades (plain loops, exact decimals): 24 h statistics, the aggregated USD price through an
// ETH quote, volatility and the trend score.
import { Decimal } from 'decimal.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeAnalytics } from '../src/analytics/compute.js';
import { parseConfig } from '../src/config/load.js';
import { upsertMarkets } from '../src/ingest/catalog.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { writeTrades } from '../src/ingest/writers.js';
import { createSource } from '../src/sources/registry.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { FIXTURES, xrpEthTrades } from './helpers/fixtures.js';
import { referenceCandles, type RefTrade } from './helpers/reference.js';

const raw = xrpEthTrades();
const trades: RefTrade[] = raw.map(([ts, id, , , price, amount]) => ({ ts, id, price: String(price), amount: String(amount) }));
const NOW = Math.floor(raw.at(-1)![0] / 60_000) * 60_000 + 60_000; // the minute after the last trade
const H = 3_600_000;
const config = parseConfig({ sources: [{ id: 'fx', type: 'replay', venue: 'binance', market: 'XRP/ETH', file: 'market/XRP_ETH-trades.json.gz' }] });
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await new SourceRunner(await createSource(config.sources[0], FIXTURES), db.pool, pino({ level: 'silent' })).runPass({ kind: 'trades', every: null }, new AbortController().signal);
  // ETH at a steady 2000 USDT so XRP gets a USD price through its ETH quote
  const eth = (await upsertMarkets(db.pool, [{ venue: 'binance', symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT' }])).get('ETH/USDT')!.pk;
  await writeTrades(db.pool, eth, [{ ts: NOW - 5 * 60_000, id: '1', side: 'buy', price: '2000', amount: '3' }], 't', 's', {});
  await computeAnalytics(db.pool, config.analytics, NOW);
});
afterAll(async () => db?.drop());

const inWindow = (from: number) => trades.filter((t) => t.ts >= from && t.ts < NOW);

describe('analytics on the recorded trades', () => {
  it('24 h statistics equal the independent computation', async () => {
    const day = referenceCandles(inWindow(NOW - 24 * H), 60);
    const vol = day.reduce((s, c) => s.add(c.volume), new Decimal(0));
    const qv = day.reduce((s, c) => s.add(c.quoteVolume), new Decimal(0));
    const s = (await db.pool.query(`SELECT s.* FROM market_stats s JOIN markets m ON m.pk = s.market_pk WHERE m.id = 'binance:XRP-ETH'`)).rows[0];
    expect(Number(s.open)).toBe(day[0].open.toNumber());
    expect(Number(s.last)).toBe(day.at(-1)!.close.toNumber());
    expect(Number(s.high)).toBe(Decimal.max(...day.map((c) => c.high)).toNumber());
    expect(Number(s.low)).toBe(Decimal.min(...day.map((c) => c.low)).toNumber());
    expect(s.base_volume).toBe(vol.toString());
    expect(s.quote_volume).toBe(qv.toString());
    expect(s.trades).toBe(day.reduce((n, c) => n + c.trades, 0));
    expect(Number(s.vwap)).toBeCloseTo(qv.div(vol).toNumber(), 12);
    expect(Number(s.usd_volume)).toBeCloseTo(qv.mul(2000).toNumber(), 6);
    expect(Number(s.change_pct)).toBeCloseTo(day.at(-1)!.close.div(day[0].open).sub(1).mul(100).toNumber(), 10);
  });

  it('aggregated USD price = last-hour VWAP × the ETH price; volatility and trend as defined', async () => {
    const hour = inWindow(NOW - H);
    const vwap = hour.reduce((s, t) => s.add(new Decimal(t.price).mul(t.amount)), new Decimal(0)).div(hour.reduce((s, t) => s.add(t.amount), new Decimal(0)));
    const p = (await db.pool.query(`SELECT price_usd::float8 AS p, venues FROM asset_prices WHERE asset_id = 'XRP'`)).rows[0];
    expect(p.p).toBeCloseTo(vwap.mul(2000).toNumber(), 9);
    expect(p.venues.map((v: { market: string }) => v.market)).toEqual(['binance:XRP-ETH']);

    const closes = referenceCandles(inWindow(NOW - 24 * H), 3600).filter((c) => c.time >= NOW - 24 * H).map((c) => c.close.toNumber());
    const r = closes.slice(1).map((c, i) => Math.log(c / closes[i]));
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
    const s = (await db.pool.query(`SELECT volatility::float8 AS v, trend_score::float8 AS t FROM market_stats s JOIN markets m ON m.pk = s.market_pk WHERE m.id = 'binance:XRP-ETH'`)).rows[0];
    expect(s.v).toBeCloseTo(sd, 12);
    const q = (ts: RefTrade[]) => ts.reduce((a, t) => a.add(new Decimal(t.price).mul(t.amount)), new Decimal(0));
    // baseline: the hourly buckets starting inside the last 7 days, ÷ 168
    const week = trades.filter((t) => t.ts >= Math.ceil((NOW - 7 * 24 * H) / H) * H && t.ts < NOW);
    expect(s.t).toBeCloseTo(q(hour).div(q(week).div(168)).toNumber(), 9);
  });
});
