// The replay source: every accepted file format yields the same trades; candle files are
// stored as recorded and rolled up; live mode paces and rebases rows to now.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Decimal } from 'decimal.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { readRecordedFile } from '../src/sources/replay/readers.js';
import { createSource } from '../src/sources/registry.js';
import { unmeteredCall } from '../src/sources/types.js';
import type { Trade } from '../src/domain/types.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { FIXTURES, fixture, readJson, xrpEthTrades } from './helpers/fixtures.js';

const raw = xrpEthTrades();
const log = pino({ level: 'silent' });
const expected = raw.map(([ts, id, , side, price, amount]) => ({ ts, id, side, price: String(price), amount: String(amount) }));
const plain = (rows: Trade[]) => rows.map(({ ts, id, side, price, amount }) => ({ ts, id, side, price, amount }));

describe('recorded file formats', () => {
  it('reads ccxt compact rows and ccxt trade objects (gzip JSON) into the same trades', async () => {
    const compact = await readRecordedFile(fixture('market/XRP_ETH-trades.json.gz'));
    const objects = await readRecordedFile(fixture('market/XRP_OLD-trades.json.gz'));
    expect(compact.kind).toBe('trades');
    expect(plain(compact.rows as Trade[])).toEqual(expected);
    expect(plain(objects.rows as Trade[])).toEqual(expected);
  });

  it('reads CSV (plain or gzip) and JSON lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wick-replay-'));
    const csv = 'timestamp,id,side,price,amount\n' + raw.map(([ts, id, , side, price, amount]) => `${new Date(ts).toISOString()},${id},${side},${price},${amount}`).join('\n');
    await writeFile(join(dir, 't.csv'), csv);
    await writeFile(join(dir, 't.csv.gz'), gzipSync(csv));
    await writeFile(join(dir, 't.jsonl'), raw.map((r) => JSON.stringify(r)).join('\n'));
    for (const f of ['t.csv', 't.csv.gz', 't.jsonl']) {
      const r = await readRecordedFile(join(dir, f));
      expect(plain(r.rows as Trade[]), f).toEqual(expected);
    }
  });

  it('names the file and row of bad data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wick-replay-'));
    await writeFile(join(dir, 'bad.json'), JSON.stringify([[1570752011620, '1', null, 'sell', 'abc', 1, 1]]));
    await expect(readRecordedFile(join(dir, 'bad.json'))).rejects.toThrow(`${join(dir, 'bad.json')} row 1 price is not a number: "abc"`);
    await writeFile(join(dir, 'what.json'), JSON.stringify([{ hello: 1 }]));
    await expect(readRecordedFile(join(dir, 'what.json'))).rejects.toThrow(/cannot tell whether rows are trades or candles/);
    await expect(readRecordedFile(join(dir, 'missing.json'))).rejects.toThrow(/ENOENT/);
  });
});

describe('candle files', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it('stores recorded 1m candles as they are, and rolls them up exactly', async () => {
    const file: number[][] = readJson('market/UNITTEST_BTC-1m.json');
    const cfg = parseConfig({ sources: [{ id: 'ut', type: 'replay', venue: 'binance', market: 'UNITTEST/BTC', file: 'market/UNITTEST_BTC-1m.json' }] });
    const source = await createSource(cfg.sources[0], FIXTURES);
    expect(await source.tasks()).toEqual([{ kind: 'candles', every: 60_000 }]);
    const r = await new SourceRunner(source, db.pool, log).runPass({ kind: 'candles', every: null }, new AbortController().signal);
    expect(r).toMatchObject({ rows: file.length, errors: [] });
    const rows = (await db.pool.query(`SELECT (extract(epoch FROM ts) * 1000)::int8 AS t, open::float8, high::float8, low::float8, close::float8, volume::float8 FROM candles WHERE resolution = 60 ORDER BY ts`)).rows;
    expect(rows.map((c) => [c.t, c.open, c.high, c.low, c.close, c.volume])).toEqual(file);
    // 1h from the recorded minutes, computed independently.
    const hours = new Map<number, number[][]>();
    for (const c of file) {
      const h = Math.floor(c[0] / 3_600_000) * 3_600_000;
      if (!hours.has(h)) hours.set(h, []);
      hours.get(h)!.push(c);
    }
    const got = (await db.pool.query(`SELECT (extract(epoch FROM ts) * 1000)::int8 AS t, open::float8, high::float8, low::float8, close::float8, volume::text, quote_volume FROM candles WHERE resolution = 3600 ORDER BY ts`)).rows;
    expect(got.length).toBe(hours.size);
    for (const g of got) {
      const cs = hours.get(g.t)!;
      expect([g.open, g.high, g.low, g.close]).toEqual([cs[0][1], Math.max(...cs.map((c) => c[2])), Math.min(...cs.map((c) => c[3])), cs.at(-1)![4]]);
      expect(new Decimal(g.volume).eq(cs.reduce((s, c) => s.add(String(c[5])), new Decimal(0)))).toBe(true);
      expect(g.quote_volume).toBeNull(); // not in the file: unknown, not invented
    }
  });
});

describe('live replay', () => {
  it('emits rows when their rebased time comes, and loops with new ids', async () => {
    const cfg = parseConfig({ sources: [{ id: 'lv', type: 'replay', market: 'XRP/ETH', file: 'market/XRP_ETH-trades.json.gz', mode: 'live', speed: 100_000, loop: true }] });
    const source = await createSource(cfg.sources[0], FIXTURES);
    const [market] = await source.discoverMarkets({ signal: new AbortController().signal, log, call: unmeteredCall });
    const abort = new AbortController();
    const start = Date.now();
    const got: Trade[] = [];
    for await (const b of source.fetchTrades!(market, null, { signal: abort.signal, log, call: unmeteredCall })) {
      got.push(...b.items);
      if (got.length >= raw.length + 10) abort.abort();
    }
    const span = raw.at(-1)![0] - raw[0][0];
    // 59 recorded hours at 100,000x take about 2 s; rows arrive in order, never from the future.
    expect(Date.now() - start).toBeGreaterThanOrEqual(span / 100_000 - 50);
    for (let i = 1; i < got.length; i++) expect(got[i].ts).toBeGreaterThanOrEqual(got[i - 1].ts);
    expect(got.at(-1)!.ts).toBeLessThanOrEqual(Date.now());
    expect(got[0]).toMatchObject({ id: `0.${raw[0][1]}`, price: String(raw[0][4]) });
    expect(got[raw.length]).toMatchObject({ id: `1.${raw[0][1]}` });
    expect(got[raw.length].ts).toBeGreaterThan(got[raw.length - 1].ts);
  });
});

describe('backfill of a growing file', () => {
  let db: TestDatabase;
  afterAll(async () => db?.drop());

  it('stores only the rows appended since the last pass', async () => {
    db = await createTestDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'wick-replay-'));
    const file = join(dir, 'grow.json');
    await writeFile(file, JSON.stringify(raw.slice(0, 5000)));
    const cfg = parseConfig({ sources: [{ id: 'grow', type: 'replay', market: 'XRP/ETH', file }] });
    const runner = new SourceRunner(await createSource(cfg.sources[0], dir), db.pool, log);
    const pass = () => runner.runPass({ kind: 'trades', every: 60_000 }, new AbortController().signal);
    expect((await pass()).rows).toBe(5000);
    expect((await pass()).rows).toBe(0);
    await writeFile(file, JSON.stringify(raw));
    expect((await pass()).rows).toBe(raw.length - 5000);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM trades')).rows[0].n).toBe(raw.length);
  });
});
