// Liquidity figures on a small book, the hourly sampling and the reduction to daily averages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeAnalytics } from '../src/analytics/compute.js';
import { bookLiquidity, reduceLiquidity, sampleLiquidity } from '../src/analytics/liquidity.js';
import { parseConfig } from '../src/config/load.js';
import { writeOrderBooks } from '../src/ingest/writers.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { NOW, seedMarkets } from './helpers/analytics-seed.js';

const cfg = parseConfig({}).analytics;
const bids: Array<[string, string]> = [['99', '1'], ['98.5', '2'], ['97', '5'], ['95', '1']];
const asks: Array<[string, string]> = [['101', '1'], ['101.9', '2'], ['102', '3'], ['103', '4']];

describe('book liquidity', () => {
  it('computes depth within ±2 %, spread and cost to move on a hand-checked book', () => {
    // mid 100, band 98..102
    const l = bookLiquidity(bids, asks, 0.02, 2)!;
    expect(l.mid).toBe(100);
    expect(l.spread_pct).toBeCloseTo(2, 12);
    expect(l.depth_bid_usd).toBeCloseTo((99 + 98.5 * 2) * 2, 9);
    expect(l.depth_ask_usd).toBeCloseTo((101 + 101.9 * 2 + 102 * 3) * 2, 9);
    expect(l.cost_up_usd).toBeCloseTo((101 + 101.9 * 2) * 2, 9); // asks below 102
    expect(l.cost_down_usd).toBeCloseTo((99 + 98.5 * 2) * 2, 9); // bids above 98
    expect(bookLiquidity(bids.slice(0, 2), asks.slice(0, 2), 0.02, 1)).toMatchObject({ cost_up_usd: null, cost_down_usd: null });
    expect(bookLiquidity([], asks, 0.02, 1)).toBeNull();
  });
});

describe('liquidity history', () => {
  let db: TestDatabase;
  let pk: number;
  beforeAll(async () => {
    db = await createTestDatabase();
    pk = (await seedMarkets(db.pool)).get('a:BTC-USDT')!;
    await computeAnalytics(db.pool, cfg, NOW);
  });
  afterAll(async () => db?.drop());

  it('samples hourly in USD and reduces hours older than a day to their mean', async () => {
    await writeOrderBooks(db.pool, [{ marketPk: pk, book: { ts: NOW - 60_000, bids, asks } }]);
    expect(await sampleLiquidity(db.pool, cfg, NOW)).toBe(1);
    const row = (await db.pool.query(`SELECT bucket, samples, mid::float8, depth_bid_usd::float8 FROM liquidity_history`)).rows;
    expect(row).toEqual([{ bucket: 'hour', samples: 1, mid: 100, depth_bid_usd: expect.closeTo(99 + 197, 9) }]); // USDT = 1 USD
    // three hours two days ago, spreads 1, 2, 6 → one day row with their mean
    const day = Date.UTC(2024, 0, 8);
    for (const [i, spread] of [1, 2, 6].entries()) {
      await db.pool.query(`INSERT INTO liquidity_history (market_pk, ts, bucket, mid, spread_pct, depth_bid_usd) VALUES ($1, $2, 'hour', 100, $3, $4)`, [pk, new Date(day + i * 3_600_000), spread, i * 10]);
    }
    await reduceLiquidity(db.pool, NOW);
    const rows = (await db.pool.query(`SELECT bucket, (extract(epoch FROM ts) * 1000)::int8 AS ts, samples, spread_pct::float8, depth_bid_usd::float8 FROM liquidity_history ORDER BY ts`)).rows;
    expect(rows).toEqual([
      { bucket: 'day', ts: day, samples: 3, spread_pct: 3, depth_bid_usd: 10 },
      { bucket: 'hour', ts: NOW - 3_600_000, samples: 1, spread_pct: expect.closeTo(2, 12), depth_bid_usd: expect.closeTo(296, 9) },
    ]);
  });
});
