// Candles built from the recorded XRP/ETH trades must equal an independent computation
// from the same trades, to the last digit, at every stored resolution and when rolled up;
// re-ingesting changes nothing, and trades arriving late or out of order land exactly.
import { Decimal } from 'decimal.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { upsertMarkets, upsertVenue } from '../src/ingest/catalog.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { writeTrades } from '../src/ingest/writers.js';
import { createSource } from '../src/sources/registry.js';
import { getCandles } from '../src/analytics/candles.js';
import type { Trade } from '../src/domain/types.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { FIXTURES, xrpEthTrades } from './helpers/fixtures.js';
import { referenceCandles, type RefCandle, type RefTrade } from './helpers/reference.js';

const log = pino({ level: 'silent' });
const raw = xrpEthTrades();
const refTrades: RefTrade[] = raw.map(([ts, id, , , price, amount]) => ({ ts, id, price: String(price), amount: String(amount) }));
const STORED = [60, 300, 900, 3600, 14400, 86400];

interface DbCandle { time: number; open: string; high: string; low: string; close: string; volume: string; quote_volume: string; trades: number }

async function storedCandles(db: TestDatabase, marketPk: number, resolution: number): Promise<DbCandle[]> {
  const r = await db.pool.query<DbCandle>(
    `SELECT (extract(epoch FROM ts) * 1000)::int8 AS time, open::text, high::text, low::text, close::text, volume::text, quote_volume::text, trades
     FROM candles WHERE market_pk = $1 AND resolution = $2 ORDER BY ts`, [marketPk, resolution]);
  return r.rows;
}

function expectExact(actual: DbCandle[], expected: RefCandle[], label: string) {
  expect(actual.length, `${label}: number of candles`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const where = `${label} candle at ${new Date(e.time).toISOString()}`;
    expect(a.time, where).toBe(e.time);
    for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
      expect(new Decimal(a[k]).eq(e[k]), `${where} ${k}: ${a[k]} vs ${e[k].toString()}`).toBe(true);
    }
    expect(new Decimal(a.quote_volume).eq(e.quoteVolume), `${where} quote_volume: ${a.quote_volume} vs ${e.quoteVolume}`).toBe(true);
    expect(a.trades, `${where} trades`).toBe(e.trades);
  }
}

describe('candles from the recorded XRP/ETH trades', () => {
  let db: TestDatabase;
  let marketPk: number;
  let runner: SourceRunner;

  beforeAll(async () => {
    db = await createTestDatabase();
    const cfg = parseConfig({ sources: [{ id: 'fx', type: 'replay', venue: 'binance', market: 'XRP/ETH', file: 'market/XRP_ETH-trades.json.gz', batchSize: 997 }] });
    const source = await createSource(cfg.sources[0], FIXTURES);
    runner = new SourceRunner(source, db.pool, log);
    const r = await runner.runPass({ kind: 'trades', every: null }, new AbortController().signal);
    expect(r.errors).toEqual([]);
    expect(r.rows).toBe(raw.length);
    marketPk = (await db.pool.query('SELECT pk FROM markets WHERE id = $1', ['binance:XRP-ETH'])).rows[0].pk;
  });
  afterAll(async () => db?.drop());

  it('stores every trade once, with its exact time, price and amount', async () => {
    const r = await db.pool.query(`SELECT count(*)::int AS n, count(DISTINCT trade_id)::int AS ids FROM trades WHERE market_pk = $1`, [marketPk]);
    expect(r.rows[0]).toEqual({ n: raw.length, ids: raw.length });
    const sample = await db.pool.query(`SELECT trade_id, (extract(epoch FROM ts) * 1000)::int8 AS ms, price::text, amount::text, side FROM trades WHERE market_pk = $1`, [marketPk]);
    const byId = new Map(sample.rows.map((row) => [row.trade_id, row]));
    for (const [ts, id, , side, price, amount] of raw) {
      const row = byId.get(id)!;
      expect(row.ms).toBe(ts);
      expect(new Decimal(row.price).eq(String(price))).toBe(true);
      expect(new Decimal(row.amount).eq(String(amount))).toBe(true);
      expect(row.side).toBe(side);
    }
  });

  it.each(STORED)('equals the independent computation at %i s, to the last digit', async (res) => {
    expectExact(await storedCandles(db, marketPk, res), referenceCandles(refTrades, res), `${res}s`);
  });

  it('rolls up to other resolutions (10m, 2h, 3d, 1w) exactly, through the same read path the API uses', async () => {
    for (const res of [600, 7200, 259200, 604800]) {
      const got = await getCandles(db.pool, { marketPk, resolution: res, from: 0, limit: 100_000, fill: 'none' });
      const want = referenceCandles(refTrades, res);
      expect(got.map((c) => c.time), `${res}s times`).toEqual(want.map((c) => c.time));
      got.forEach((c, i) => {
        const w = want[i];
        expect([c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trades]).toEqual(
          [w.open, w.high, w.low, w.close, w.volume, w.quoteVolume].map((d) => d.toNumber()).concat(w.trades));
        // VWAP is a division: equal to the exact ratio within one rounding of a double.
        const exact = w.quoteVolume.div(w.volume).toNumber();
        expect(Math.abs(c.vwap! - exact)).toBeLessThanOrEqual(Math.abs(exact) * 2 ** -52);
      });
    }
  });

  it('leaves gaps as gaps, and fills them only when asked', async () => {
    const want = referenceCandles(refTrades, 60);
    // Find a gap between two consecutive minute candles.
    const i = want.findIndex((c, k) => k > 0 && c.time - want[k - 1].time > 60_000);
    expect(i).toBeGreaterThan(0);
    const from = want[i - 1].time;
    const to = want[i].time + 60_000;
    const plain = await getCandles(db.pool, { marketPk, resolution: 60, from, to, limit: 1000, fill: 'none' });
    expect(plain.map((c) => c.time)).toEqual([want[i - 1].time, want[i].time]);
    const filled = await getCandles(db.pool, { marketPk, resolution: 60, from, to, limit: 1000, fill: 'previous' });
    expect(filled.length).toBe((to - from) / 60_000);
    const prevClose = want[i - 1].close.toNumber();
    for (const c of filled.slice(1, -1)) expect(c).toMatchObject({ open: prevClose, high: prevClose, low: prevClose, close: prevClose, volume: 0 });
  });

  it('ingesting the same input again changes nothing', async () => {
    const before = await db.pool.query(`SELECT md5(string_agg(c::text, ',' ORDER BY resolution, ts)) AS h FROM candles c WHERE market_pk = $1`, [marketPk]);
    // Start over from no cursor: every trade is offered again.
    await db.pool.query(`DELETE FROM source_cursors`);
    const r = await runner.runPass({ kind: 'trades', every: null }, new AbortController().signal);
    expect(r.rows).toBe(0);
    const after = await db.pool.query(`SELECT md5(string_agg(c::text, ',' ORDER BY resolution, ts)) AS h FROM candles c WHERE market_pk = $1`, [marketPk]);
    // updated_at is part of the row text: candles were not even rewritten.
    expect(after.rows[0].h).toBe(before.rows[0].h);
  });
});

describe('late and out-of-order trades', () => {
  let db: TestDatabase;
  afterAll(async () => db?.drop());

  it('produce exactly the same candles as in-order ingestion', async () => {
    db = await createTestDatabase();
    await upsertVenue(db.pool, 'binance', 'exchange');
    const refs = await upsertMarkets(db.pool, [{ venue: 'binance', symbol: 'XRP/ETH', base: 'XRP', quote: 'ETH' }]);
    const pk = refs.get('XRP/ETH')!.pk;
    const trades: Trade[] = raw.map(([ts, id, , side, price, amount]) => ({ ts, id, side, price: String(price), amount: String(amount) }));
    // Deterministic shuffle, then batches in that order, with overlapping re-sends.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const shuffled = [...trades];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    for (let i = 0; i < shuffled.length; i += 1500) {
      await writeTrades(db.pool, pk, shuffled.slice(Math.max(0, i - 200), i + 1500), 'test', 'trades:x', { i });
    }
    for (const res of STORED) expectExact(await storedCandles(db, pk, res), referenceCandles(refTrades, res), `shuffled ${res}s`);
  });
});
