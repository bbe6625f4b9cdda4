// Retention: after a run exactly the declared rows remain, coalesced buckets hold the mean
// (metrics) or the OHLC (ticker prices) of what they replaced, and the plan predicted it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPlan, planRetention, runRetention } from '../src/analytics/retention.js';
import { parseConfig } from '../src/config/load.js';
import { writeMetrics, writeTickers } from '../src/ingest/writers.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { NOW, seedMarkets } from './helpers/analytics-seed.js';
import { runWick } from './helpers/cli.js';

const cfg = parseConfig({ analytics: { retention: { trades: '1d', tickers: { coalesceAfter: '1d', bucket: '1h', dropAfter: '10d' }, metrics: { coalesceAfter: '1d', bucket: '1h', dropAfter: '10d' }, orderbooks: '1d' } } }).analytics;
const H = 3_600_000;
const D2 = Date.UTC(2024, 0, 8, 10); // two days before NOW, on an hour
let db: TestDatabase;
let pk: number;

beforeAll(async () => {
  db = await createTestDatabase();
  pk = (await seedMarkets(db.pool)).get('a:BTC-USDT')!;
  const pt = (ts: number, value: string) => ({ name: 'tvl', labels: { pool: 'x' }, ts, value });
  await writeMetrics(db.pool, [pt(D2, '1'), pt(D2 + 20 * 60_000, '2'), pt(D2 + 40 * 60_000, '6'), pt(D2 + H, '5'), pt(NOW - 20 * 86_400_000, '9'), pt(NOW - H, '7')], 's', 'm', {});
  const tk = (ts: number, last: string) => ({ marketPk: pk, ticker: { ts, last, bid: last, ask: last, high: null, low: null, open: null, baseVolume: '1', quoteVolume: last, vwap: null, changePercent: null } });
  await writeTickers(db.pool, [tk(D2 + 5 * 60_000, '10'), tk(D2 + 30 * 60_000, '14'), tk(D2 + 50 * 60_000, '12'), tk(NOW - H, '20')]);
});
afterAll(async () => db?.drop());

describe('retention', () => {
  it('plans, then leaves exactly the declared rows with the right averages and OHLC', async () => {
    const plan = await planRetention(db.pool, cfg, NOW);
    const rows = Object.fromEntries(plan.map((p) => [`${p.kind}: ${p.action}`, p.rows]));
    expect(rows).toEqual({
      'trades: delete raw trades': 1,
      'tickers: delete snapshots': 0,
      'tickers: coalesce snapshots to 3600 s OHLC buckets': 3,
      'metrics: delete points': 1,
      'metrics: coalesce points to 3600 s averages': 3,
      'orderbooks: delete snapshots': 0,
      'liquidity: delete history rows': 0,
      'liquidity: reduce hourly rows to daily averages': 0,
    });
    expect(formatPlan(plan)).toMatch(/trades: delete raw trades\s+older than 2024-01-09T12:00:00.000Z\s+1 row\(s\)/);
    const tradesBefore = Number((await db.pool.query('SELECT count(*) FROM trades')).rows[0].count);

    await runRetention(db.pool, cfg, NOW);
    expect(Number((await db.pool.query('SELECT count(*) FROM trades')).rows[0].count)).toBe(tradesBefore - 1);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM trades WHERE ts < $1`, [new Date(NOW - 86_400_000)])).rows[0].n).toBe(0);
    const pts = (await db.pool.query(`SELECT (extract(epoch FROM ts) * 1000)::int8 AS t, value::float8 AS v FROM metric_points ORDER BY ts`)).rows;
    expect(pts).toEqual([{ t: D2, v: 3 }, { t: D2 + H, v: 5 }, { t: NOW - H, v: 7 }]); // (1 + 2 + 6) / 3
    const tks = (await db.pool.query(`SELECT (extract(epoch FROM ts) * 1000)::int8 AS t, open::float8, high::float8, low::float8, last::float8 FROM ticker_snapshots ORDER BY ts`)).rows;
    expect(tks).toEqual([{ t: D2, open: 10, high: 14, low: 10, last: 12 }, { t: NOW - H, open: null, high: null, low: null, last: 20 }]);

    // a second run finds nothing left to do
    expect((await planRetention(db.pool, cfg, NOW)).every((p) => p.rows === 0)).toBe(true);
  });

  it('wick retention plan prints the plan and changes nothing', async () => {
    await db.pool.query(`INSERT INTO metric_points (series_id, ts, value) SELECT id, now() - interval '40 days', 1 FROM metric_series`);
    const r = await runWick(['retention', 'plan'], { env: { ...process.env, DATABASE_URL: db.url } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^metrics: delete points\s+older than \S+\s+3 row\(s\)$/m); // the default keeps metrics 365 days: the three 2024 points go
    expect(r.stdout).toMatch(/^metrics: coalesce points to 3600 s averages\s+older than \S+\s+1 row\(s\)$/m);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM metric_points`)).rows[0].n).toBe(4);
  });
});
