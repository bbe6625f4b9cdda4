// The komodo source against real SQLite files in the documented Komodo DeFi Framework
// `stats_swaps` / `my_swaps` schemas (several nodes' overlapping copies: duplicates, an
// unfinished-then-finished swap, a failed one, platform variants, a bridge swap, a truncated
// copy, a locked one) and a loopback node answering the `orderbook` RPC. Pairs, tickers,
// 24 h volumes, historical trades and swap counts are checked against hand-computed values.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { computeAnalytics } from '../src/analytics/compute.js';
import { parseConfig } from '../src/config/load.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { createSource } from '../src/sources/registry.js';
import type { KomodoSource } from '../src/sources/komodo/index.js';
import { headerProblem, sqlJs } from '../src/sources/komodo/sqlite.js';
import { PairRule, splitCoin } from '../src/sources/komodo/swaps.js';
import type { ProviderCall } from '../src/sources/types.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { loopbackServer, sendJson, type LoopbackServer } from './helpers/http.js';

const H = 3600;
const NOW = Date.UTC(2024, 4, 20, 12, 0, 0);
const now = NOW / 1000;

// The schema the framework creates (CREATE_STATS_SWAPS_TABLE + ADD_SPLIT_TICKERS + price columns).
const STATS_SCHEMA = `CREATE TABLE stats_swaps (
  id INTEGER NOT NULL PRIMARY KEY, maker_coin VARCHAR(255) NOT NULL, taker_coin VARCHAR(255) NOT NULL,
  uuid VARCHAR(255) NOT NULL UNIQUE, started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL,
  maker_amount DECIMAL NOT NULL, taker_amount DECIMAL NOT NULL, is_success INTEGER NOT NULL,
  maker_coin_ticker VARCHAR(255) NOT NULL DEFAULT '', maker_coin_platform VARCHAR(255) NOT NULL DEFAULT '',
  taker_coin_ticker VARCHAR(255) NOT NULL DEFAULT '', taker_coin_platform VARCHAR(255) NOT NULL DEFAULT '',
  maker_coin_usd_price DECIMAL, taker_coin_usd_price DECIMAL);
CREATE INDEX timestamp_index ON stats_swaps (started_at);`;
const MY_SWAPS_SCHEMA = `CREATE TABLE my_swaps (id INTEGER NOT NULL PRIMARY KEY, my_coin VARCHAR(255) NOT NULL,
  other_coin VARCHAR(255) NOT NULL, uuid VARCHAR(255) NOT NULL UNIQUE, started_at INTEGER NOT NULL,
  is_finished BOOLEAN NOT NULL DEFAULT 0);`;

/** [uuid, maker_coin, taker_coin, maker_amount, taker_amount, finished_at (0 = unfinished), is_success] */
type Swap = [string, string, string, string, string, number, number];
const S1: Swap = ['s1-kmd-ltc', 'KMD', 'LTC', '100', '2', now - 2 * H, 1];
const S2_OPEN: Swap = ['s2-ltc-kmd', 'LTC', 'KMD', '1', '51', 0, 0];
const S2_DONE: Swap = ['s2-ltc-kmd', 'LTC', 'KMD', '1', '51', now - 1 * H, 1];
const S3_FAILED: Swap = ['s3-kmd-dgb', 'KMD', 'DGB', '5', '700', now - 3 * H, 0];
const S4: Swap = ['s4-usdc-plg20', 'USDC-PLG20', 'KMD', '10', '40', now - 1800, 1];
const S5: Swap = ['s5-usdc-erc20', 'KMD', 'USDC-ERC20', '20', '5.2', now - 1200, 1];
const S6_BRIDGE: Swap = ['s6-bridge', 'USDC-PLG20', 'USDC-ERC20', '3', '2.99', now - 900, 1];
const S7: Swap = ['s7-ltc-kmd', 'LTC', 'KMD', '0.5', '26', now - 700, 1];
const S10_OPEN: Swap = ['s10-kmd-ltc', 'KMD', 'LTC', '49', '1', 0, 0];
const S10_DONE: Swap = ['s10-kmd-ltc', 'KMD', 'LTC', '49', '1', now - 650, 1];
const S9: Swap = ['s9-kmd-ltc', 'KMD', 'LTC', '48', '1', now - 600, 1];

async function swapDb(swaps: Swap[], mySwaps: Array<[string, string, string]> = []): Promise<Uint8Array> {
  const SQL = await sqlJs();
  const db = new SQL.Database();
  db.run(STATS_SCHEMA);
  for (const [uuid, mc, tc, ma, ta, fin, ok] of swaps) {
    const [mt, mp = ''] = mc.split('-');
    const [tt, tp = ''] = tc.split('-');
    db.run(`INSERT INTO stats_swaps (maker_coin, taker_coin, uuid, started_at, finished_at, maker_amount, taker_amount, is_success,
              maker_coin_ticker, maker_coin_platform, taker_coin_ticker, taker_coin_platform) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
    [mc, tc, uuid, (fin || now) - 600, fin, ma, ta, ok, mt, mp, tt, tp]);
  }
  if (mySwaps.length) {
    db.run(MY_SWAPS_SCHEMA);
    for (const [uuid, my, other] of mySwaps) db.run('INSERT INTO my_swaps (my_coin, other_coin, uuid, started_at) VALUES (?,?,?,?)', [my, other, uuid, now - 60]);
  }
  const bytes = db.export();
  db.close();
  return bytes;
}

/** Writes a file with a distinct mtime (signatures are size + mtime). */
let clock = 1_700_000_000;
async function put(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes);
  clock += 10;
  await utimes(path, clock, clock);
}

describe('komodo pair rule', () => {
  it('splits tickers like the framework and orders pairs by the quote preference', () => {
    expect(splitCoin('USDC-PLG20')).toEqual({ ticker: 'USDC', platform: 'PLG20' });
    expect(splitCoin('BTC-segwit')).toEqual({ ticker: 'BTC', platform: 'segwit' });
    expect(splitCoin('KMD')).toEqual({ ticker: 'KMD', platform: null });
    const merge = new PairRule('merge', ['USDT', 'USDC', 'BTC', 'KMD']);
    expect(merge.pair('USDC-PLG20', 'KMD')).toMatchObject({ symbol: 'KMD/USDC', baseCoin: 'KMD', quoteCoin: 'USDC-PLG20', makerIsBase: false });
    expect(merge.pair('KMD', 'BTC-segwit')).toMatchObject({ symbol: 'KMD/BTC', makerIsBase: true });
    expect(merge.pair('DGB', 'RVN')).toMatchObject({ symbol: 'DGB/RVN', makerIsBase: true }); // neither preferred: alphabetical
    expect(merge.pair('RVN', 'DGB')).toMatchObject({ symbol: 'DGB/RVN', makerIsBase: false });
    expect(merge.pair('USDC-PLG20', 'USDC-ERC20')).toBeNull(); // a bridge
    const separate = new PairRule('separate', ['USDT', 'USDC', 'BTC', 'KMD']);
    expect(separate.pair('USDC-PLG20', 'KMD')).toMatchObject({ symbol: 'KMD/USDC-PLG20', base: 'KMD', quote: 'USDC-PLG20' });
    expect(separate.pair('USDC-PLG20', 'USDC-ERC20')).toMatchObject({ symbol: 'USDC-ERC20/USDC-PLG20' });
  });

  it('recognises truncated database files by their header', async () => {
    const SQL = await sqlJs();
    const db = new SQL.Database();
    db.run('CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(9000));');
    const whole = db.export();
    db.close();
    expect(headerProblem(whole)).toBeNull();
    expect(headerProblem(whole.subarray(0, whole.length - 4096))).toMatch(/truncated: the header says \d+ pages/);
    expect(headerProblem(whole.subarray(0, 5000))).toMatch(/truncated/);
    expect(headerProblem(new TextEncoder().encode('hello'.repeat(30)))).toBe('not an SQLite database');
  });
});

describe('komodo source', () => {
  let db: TestDatabase;
  let dir: string;
  let rpc: LoopbackServer;
  const logs: Array<{ level: number; msg: string; err?: string }> = [];
  const log = pino({ level: 'info' }, new Writable({ write(chunk, _e, cb) { logs.push(JSON.parse(String(chunk))); cb(); } }));
  const calls: string[] = [];
  const call: ProviderCall = (provider, _cost, fn) => {
    calls.push(provider);
    return fn();
  };
  const signal = new AbortController().signal;
  let source: KomodoSource;
  let runner: SourceRunner;
  const rpcBodies: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'wick-komodo-'));
    for (const n of ['nodeA', 'nodeB', 'nodeC', 'nodeD']) await mkdir(join(dir, n));
    await put(join(dir, 'nodeA', 'MM2.db'), await swapDb([S1, S2_OPEN, S3_FAILED, S10_OPEN], [['s8-pending', 'KMD', 'DOGE'], [S1[0], 'KMD', 'LTC']]));
    await put(join(dir, 'nodeB', 'MM2.db'), await swapDb([S1, S2_DONE, S4, S5, S6_BRIDGE]));
    // nodeC's copy arrived cut off (half the file); nodeD's is in the middle of a write.
    const c = await swapDb([S7]);
    await put(join(dir, 'nodeC', 'seed.sqlite'), c.subarray(0, c.length / 2 + 100));
    await put(join(dir, 'nodeD', 'MM2.db'), await swapDb([S9]));
    await writeFile(join(dir, 'nodeD', 'MM2.db-journal'), 'hot journal');
    // rsync's temporary file and unrelated files are ignored.
    await writeFile(join(dir, 'nodeA', '.MM2.db.Xy12ab'), 'partial');
    await writeFile(join(dir, 'nodeA', 'notes.txt'), 'hello');

    rpc = await loopbackServer(async (_url, req, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const body = JSON.parse(raw) as Record<string, unknown>;
      rpcBodies.push(body);
      if (body.userpass !== 'rpc-secret') return sendJson(res, { error: 'Userpass is invalid!' }, 200);
      if (body.method !== 'orderbook') return sendJson(res, { error: 'unknown method' });
      const pair = `${body.base}/${body.rel}`;
      // Legacy answers (strings) for the USDC variants, an mmrpc 2.0 answer for LTC/KMD.
      if (pair === 'KMD/USDC-PLG20') {
        return sendJson(res, { base: 'KMD', rel: 'USDC-PLG20', timestamp: now - 5, netid: 8762,
          asks: [{ coin: 'KMD', price: '0.27', base_max_volume: '100', maxvolume: '100' }, { coin: 'KMD', price: '0.30', base_max_volume: '50', maxvolume: '50' }],
          bids: [{ coin: 'USDC-PLG20', price: '0.25', base_max_volume: '80', maxvolume: '20' }] });
      }
      if (pair === 'KMD/USDC-ERC20') {
        return sendJson(res, { base: 'KMD', rel: 'USDC-ERC20', timestamp: now - 4, netid: 8762,
          asks: [{ coin: 'KMD', price: '0.27', base_max_volume: '20', maxvolume: '20' }],
          // a legacy node without base_max_volume: a bid's maxvolume is in the rel coin
          bids: [{ coin: 'USDC-ERC20', price: '0.24', maxvolume: '12' }] });
      }
      if (pair === 'LTC/KMD') {
        return sendJson(res, { mmrpc: '2.0', id: null, result: { base: 'LTC', rel: 'KMD', timestamp: now - 3, num_asks: 1, num_bids: 1,
          asks: [{ coin: 'LTC', price: { decimal: '52', fraction: { numer: '52', denom: '1' } }, base_max_volume: { decimal: '3' }, uuid: 'o1', is_mine: false }],
          bids: [{ coin: 'KMD', price: { decimal: '49.5', fraction: { numer: '99', denom: '2' } }, base_max_volume: { decimal: '2' }, uuid: 'o2', is_mine: false }] } });
      }
      return sendJson(res, { error: `no orderbook for ${pair}` });
    });
    process.env.WICK_TEST_KOMODO_USERPASS = 'rpc-secret';
    const cfg = parseConfig({ sources: [{ id: 'kdf', type: 'komodo', path: dir, retries: 1, retryDelay: '20ms', rpc: { url: rpc.url, userpassEnv: 'WICK_TEST_KOMODO_USERPASS', provider: 'kdf-node' } }] });
    source = await createSource(cfg.sources[0], dir) as KomodoSource;
    runner = new SourceRunner(source, db.pool, log, call);
  });
  afterAll(async () => {
    await rpc?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
    delete process.env.WICK_TEST_KOMODO_USERPASS;
  });

  const trades = async () => (await db.pool.query<{ market: string; trade_id: string; ms: string; price: string; amount: string; side: string }>(
    `SELECT m.symbol AS market, t.trade_id, (extract(epoch FROM t.ts) * 1000)::int8 AS ms, t.price::text, t.amount::text, t.side
     FROM trades t JOIN markets m ON m.pk = t.market_pk ORDER BY t.ts, t.trade_id`)).rows.map((r) => [r.market, r.trade_id, Number(r.ms), r.price, r.amount, r.side]);

  it('merges the nodes without duplicates and imports successful swaps as trades', async () => {
    const r = await runner.runPass({ kind: 'trades', every: 60_000 }, signal);
    expect(r.errors).toEqual([]);
    // LTC/KMD (KMD is the preferred quote): s1 KMD→LTC: taker got KMD… maker sold KMD for LTC, base LTC
    // is the taker coin → sell at 100/2 = 50; s2 maker sold 1 LTC for 51 KMD → buy at 51.
    // KMD/USDC: USDC-PLG20 and USDC-ERC20 merge into USDC; s4 sell 40 KMD at 10/40, s5 buy 20 KMD at 5.2/20.
    expect(await trades()).toEqual([
      ['LTC/KMD', 's1-kmd-ltc', (now - 2 * H) * 1000, '50', '2', 'sell'],
      ['LTC/KMD', 's2-ltc-kmd', (now - H) * 1000, '51', '1', 'buy'],
      ['KMD/USDC', 's4-usdc-plg20', (now - 1800) * 1000, '0.25', '40', 'sell'],
      ['KMD/USDC', 's5-usdc-erc20', (now - 1200) * 1000, '0.26', '20', 'buy'],
    ]);
    const markets = (await db.pool.query('SELECT id, symbol, base_id, quote_id FROM markets ORDER BY id')).rows;
    expect(markets).toEqual([
      { id: 'komodo:KMD-USDC', symbol: 'KMD/USDC', base_id: 'KMD', quote_id: 'USDC' },
      { id: 'komodo:LTC-KMD', symbol: 'LTC/KMD', base_id: 'LTC', quote_id: 'KMD' },
    ]);
    expect((await db.pool.query("SELECT kind FROM venues WHERE id = 'komodo'")).rows).toEqual([{ kind: 'dex' }]);
    // The truncated and the locked copies were skipped with a warning, nothing of them imported.
    const warned = logs.filter((l) => l.level === 40).map((l) => l.err);
    expect(warned.some((e) => /nodeC\/seed\.sqlite: truncated/.test(e ?? ''))).toBe(true);
    expect(warned.some((e) => /nodeD\/MM2\.db: locked/.test(e ?? ''))).toBe(true);
    // Running again changes nothing and reads no file again.
    const parsed = source.parsed;
    const warnings = logs.filter((l) => l.level === 40).length;
    const again = await runner.runPass({ kind: 'trades', every: 60_000 }, signal);
    expect(again.rows).toBe(0);
    expect(source.parsed - parsed).toBe(0); // unchanged files are not parsed again…
    expect(logs.filter((l) => l.level === 40).length - warnings).toBe(2); // …the two unreadable ones are tried again
  });

  it('counts failed and pending swaps separately, by market and day', async () => {
    await runner.runPass({ kind: 'metrics', every: 60_000 }, signal);
    const rows = (await db.pool.query<{ name: string; labels: Record<string, string>; day: string; value: string }>(
      `SELECT s.name, s.labels, to_char(p.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, p.value::text
       FROM metric_points p JOIN metric_series s ON s.id = p.series_id ORDER BY s.name, s.labels::text`)).rows;
    const swaps = rows.filter((r) => r.name === 'komodo_swaps').map((r) => [r.labels.market, r.labels.status, r.day, r.value]);
    expect(swaps.sort()).toEqual([
      ['DGB/KMD', 'failed', '2024-05-20', '1'],
      ['KMD/USDC', 'success', '2024-05-20', '2'],
      ['LTC/KMD', 'success', '2024-05-20', '2'],
      ['USDC-PLG20/USDC-ERC20', 'success', '2024-05-20', '1'],
    ]);
    // s8 exists only in nodeA's my_swaps, s10 is unfinished in nodeA's stats_swaps.
    expect(rows.filter((r) => r.name === 'komodo_swaps_pending').map((r) => r.value)).toEqual(['2']);
  });

  it('re-reads only changed files and imports only their new rows, once a bad copy is whole again', async () => {
    await put(join(dir, 'nodeC', 'seed.sqlite'), await swapDb([S7]));
    await rm(join(dir, 'nodeD', 'MM2.db-journal'));
    // nodeA finished s10 in place (same row) and appended s9.
    const grown = await swapDb([S1, S2_OPEN, S3_FAILED, S10_DONE, S9]);
    await put(join(dir, 'nodeA', 'MM2.db'), grown);
    const parsed = source.parsed;
    const r = await runner.runPass({ kind: 'trades', every: 60_000 }, signal);
    expect(source.parsed - parsed).toBe(3); // nodeA, nodeC, nodeD; nodeB unchanged
    expect(r.rows).toBe(3); // s7, s10, s9 (s9 is in nodeA and nodeD: once)
    const all = await trades();
    expect(all).toHaveLength(7);
    expect(all.filter((t) => ['s7-ltc-kmd', 's9-kmd-ltc', 's10-kmd-ltc'].includes(t[1] as string))).toEqual([
      ['LTC/KMD', 's7-ltc-kmd', (now - 700) * 1000, '52', '0.5', 'buy'],
      ['LTC/KMD', 's10-kmd-ltc', (now - 650) * 1000, '49', '1', 'sell'],
      ['LTC/KMD', 's9-kmd-ltc', (now - 600) * 1000, '48', '1', 'sell'],
    ]);
    // A fresh process (empty cache) with the stored cursors imports nothing new either.
    const cfg = parseConfig({ sources: [{ id: 'kdf', type: 'komodo', path: dir }] });
    const fresh = new SourceRunner(await createSource(cfg.sources[0], dir), db.pool, log);
    expect((await fresh.runPass({ kind: 'trades', every: 60_000 }, signal)).rows).toBe(0);
  });

  it('snapshots order books from the node RPC (variants combined) under the provider budget', async () => {
    const before = calls.length;
    const r = await runner.runPass({ kind: 'orderbook', every: 60_000 }, signal);
    expect(r.errors).toEqual([]);
    expect(calls.slice(before)).toEqual(['kdf-node', 'kdf-node', 'kdf-node']);
    expect(rpcBodies.every((b) => b.userpass === 'rpc-secret' && b.method === 'orderbook')).toBe(true);
    const books = (await db.pool.query<{ symbol: string; ms: string; bids: unknown; asks: unknown }>(
      `SELECT m.symbol, (extract(epoch FROM o.ts) * 1000)::int8 AS ms, o.bids, o.asks FROM orderbook_snapshots o JOIN markets m ON m.pk = o.market_pk ORDER BY m.symbol`)).rows;
    expect(books.map((b) => [b.symbol, Number(b.ms), b.bids, b.asks])).toEqual([
      // asks at 0.27 from both variants add up; the legacy bid of 12 USDC at 0.24 is 50 KMD
      ['KMD/USDC', (now - 4) * 1000, [['0.25', '80'], ['0.24', '50']], [['0.27', '120'], ['0.3', '50']]],
      ['LTC/KMD', (now - 3) * 1000, [['49.5', '2']], [['52', '3']]],
    ]);
  });

  it('serves pairs, tickers with 24 h volumes, order books and historical trades for listing', async () => {
    const config = parseConfig({});
    await computeAnalytics(db.pool, config.analytics, NOW);
    const app = await buildApi({ pool: db.pool, config, log: pino({ level: 'silent' }) });
    try {
      const get = async (p: string) => (await app.inject({ method: 'GET', url: p })).json();
      expect(await get('/integrations/coingecko/pairs?venue=komodo')).toEqual([
        { ticker_id: 'KMD_USDC', base: 'KMD', target: 'USDC', pool_id: 'komodo:KMD-USDC' },
        { ticker_id: 'LTC_KMD', base: 'LTC', target: 'KMD', pool_id: 'komodo:LTC-KMD' },
      ]);
      const tickers = await get('/integrations/coingecko/tickers?venue=komodo');
      const pick = (t: Record<string, unknown>) => [t.ticker_id, t.last_price, t.base_volume, t.target_volume, t.high, t.low, t.bid, t.ask];
      // 24 h: KMD/USDC 40 + 20 KMD for 10 + 5.2 USDC; LTC/KMD 2 + 1 + 0.5 + 1 + 1 LTC for 100 + 51 + 26 + 49 + 48 KMD
      expect(tickers.map(pick)).toEqual([
        ['KMD_USDC', 0.26, 60, 15.2, 0.26, 0.25, 0.25, 0.27],
        ['LTC_KMD', 48, 5.5, 274, 52, 48, 49.5, 52],
      ]);
      const cmc = await get('/integrations/cmc/summary?venue=komodo');
      expect(cmc.map((m: Record<string, unknown>) => [m.trading_pairs, m.base_volume, m.quote_volume, m.lowest_ask, m.highest_bid])).toEqual([
        ['KMD_USDC', 60, 15.2, 0.27, 0.25],
        ['LTC_KMD', 5.5, 274, 52, 49.5],
      ]);
      expect((await get('/integrations/cmc/trades/KMD_USDC?venue=komodo')).map((t: { trade_id: string; type: string }) => [t.trade_id, t.type])).toEqual([['s5-usdc-erc20', 'buy'], ['s4-usdc-plg20', 'sell']]);
      const ob = await get('/integrations/coingecko/orderbook?ticker_id=KMD_USDC&venue=komodo');
      expect(ob).toEqual({ ticker_id: 'KMD_USDC', timestamp: (now - 4) * 1000, bids: [[0.25, 80], [0.24, 50]], asks: [[0.27, 120], [0.3, 50]] });
      const h = await get('/integrations/coingecko/historical_trades?ticker_id=LTC_KMD&venue=komodo');
      expect(h.buy.map((t: { trade_id: string }) => t.trade_id)).toEqual(['s7-ltc-kmd', 's2-ltc-kmd']);
      expect(h.sell.map((t: { trade_id: string; price: number; base_volume: number; target_volume: number }) => [t.trade_id, t.price, t.base_volume, t.target_volume]))
        .toEqual([['s9-kmd-ltc', 48, 1, 48], ['s10-kmd-ltc', 49, 1, 49], ['s1-kmd-ltc', 50, 2, 100]]);
    } finally {
      await app.close();
    }
  });

  it('rejects bad config and reports a missing userpass', async () => {
    expect(() => parseConfig({ sources: [{ id: 'k', type: 'komodo' }] })).toThrow(/path/);
    expect(() => parseConfig({ sources: [{ id: 'k', type: 'komodo', path: '.', variants: 'mix' }] })).toThrow(/variants/);
    expect(() => parseConfig({ sources: [{ id: 'k', type: 'komodo', path: '.', rpc: { url: rpc.url, pairs: ['KMD'] } }] })).toThrow(/BASE\/REL/);
    const cfg = parseConfig({ sources: [{ id: 'k2', type: 'komodo', path: dir, rpc: { url: rpc.url, userpassEnv: 'WICK_TEST_NOT_SET' } }] });
    const r = await new SourceRunner(await createSource(cfg.sources[0], dir), db.pool, log).runPass({ kind: 'orderbook', every: 60_000 }, signal);
    expect(r.errors.map((e) => e.error)).toEqual([
      'k2: environment variable WICK_TEST_NOT_SET (the node\'s userpass) is not set',
      'k2: environment variable WICK_TEST_NOT_SET (the node\'s userpass) is not set',
    ]);
    // a folder that is not there is named
    const none = parseConfig({ sources: [{ id: 'k4', type: 'komodo', path: join(dir, 'no-such-folder') }] });
    await expect(new SourceRunner(await createSource(none.sources[0], dir), db.pool, log).runPass({ kind: 'trades', every: 60_000 }, signal))
      .rejects.toThrow(/k4: cannot read the swap database folder .*no-such-folder \(ENOENT\)/);
    // a wrong userpass is the node's error, named
    process.env.WICK_TEST_WRONG = 'nope';
    const wrong = parseConfig({ sources: [{ id: 'k3', type: 'komodo', path: dir, rpc: { url: rpc.url, userpassEnv: 'WICK_TEST_WRONG' } }] });
    const r2 = await new SourceRunner(await createSource(wrong.sources[0], dir), db.pool, log).runPass({ kind: 'orderbook', every: 60_000 }, signal);
    expect(r2.errors[0].error).toMatch(/orderbook: Userpass is invalid!/);
    delete process.env.WICK_TEST_WRONG;
  });
});
