// The subgraph source against a loopback GraphQL server (graphql-js) serving a subset of the
// Uniswap v2 and v3 subgraph schemas with their field and filter names, The Graph's limits
// (first ≤ 1000, skip ≤ 5000) and ties in swap timestamps, so pagination must use cursors.
import { Decimal } from 'decimal.js';
import { buildSchema, graphql } from 'graphql';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { createSource } from '../src/sources/registry.js';
import type { ProviderCall } from '../src/sources/types.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { loopbackServer, sendJson, type LoopbackServer } from './helpers/http.js';

const log = pino({ level: 'silent' });
const signal = new AbortController().signal;
const WETH = '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2';
const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
const DAI = '0x6b175474e89094c44da98b954eedeac495271d0f';
const PAIR = '0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc'; // USDC/WETH (token0 USDC)
const PAIR2 = '0xa478c2975ab1ea89e8196811f51a7b7ade33eb11'; // DAI/WETH
const POOL3 = '0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640';

const SDL = (v3: boolean) => `
scalar BigInt
scalar BigDecimal
enum OrderDirection { asc desc }
enum Pool_orderBy { id ${v3 ? 'totalValueLockedUSD' : 'reserveUSD'} volumeUSD }
enum Swap_orderBy { id timestamp }
type Token { id: ID! symbol: String! name: String! decimals: BigInt! derivedETH: BigDecimal! }
type ${v3 ? 'Pool' : 'Pair'} { id: ID! token0: Token! token1: Token! ${v3 ? 'totalValueLockedUSD' : 'reserveUSD'}: BigDecimal! volumeUSD: BigDecimal! }
type Swap { id: ID! timestamp: BigInt! ${v3 ? 'amount0: BigDecimal! amount1: BigDecimal! sqrtPriceX96: BigInt!' : 'amount0In: BigDecimal! amount1In: BigDecimal! amount0Out: BigDecimal! amount1Out: BigDecimal!'} }
type Bundle { id: ID! ${v3 ? 'ethPriceUSD' : 'ethPrice'}: BigDecimal! }
type _Block_ { number: Int! timestamp: Int }
type _Meta_ { block: _Block_! }
input Pool_filter { id: ID id_in: [ID!] }
input Token_filter { id: ID id_in: [ID!] id_gt: ID }
input Swap_filter { ${v3 ? 'pool' : 'pair'}: String timestamp: BigInt timestamp_gt: BigInt timestamp_gte: BigInt id_gt: ID }
type Query {
  ${v3 ? 'pools' : 'pairs'}(first: Int = 100, skip: Int = 0, orderBy: Pool_orderBy, orderDirection: OrderDirection, where: Pool_filter): [${v3 ? 'Pool' : 'Pair'}!]!
  tokens(first: Int = 100, skip: Int = 0, orderBy: Swap_orderBy, where: Token_filter): [Token!]!
  swaps(first: Int = 100, skip: Int = 0, orderBy: Swap_orderBy, orderDirection: OrderDirection, where: Swap_filter): [Swap!]!
  bundle(id: ID!): Bundle
  _meta: _Meta_
}`;

interface Swap2 { id: string; pair: string; timestamp: string; amount0In: string; amount1In: string; amount0Out: string; amount1Out: string }
const tokens = [
  { id: WETH, symbol: 'WETH', name: 'Wrapped Ether', decimals: '18', derivedETH: '1' },
  { id: USDC, symbol: 'USDC', name: 'USD Coin', decimals: '6', derivedETH: '0.0004' },
  { id: DAI, symbol: 'DAI', name: 'Dai', decimals: '18', derivedETH: '0.00039992' },
];
const pairs = [
  { id: PAIR, token0: tokens[1], token1: tokens[0], reserveUSD: '123456789.5', volumeUSD: '999.25' },
  { id: PAIR2, token0: tokens[2], token1: tokens[0], reserveUSD: '5000', volumeUSD: '10' },
];
// Twelve USDC/WETH swaps; five share the first second, three the last; ids are not in time order.
const TS = [1000, 1000, 1000, 1000, 1000, 1001, 1002, 1002, 1003, 1004, 1004, 1004];
function swapAt(i: number, ts: number): Swap2 {
  const weth = new Decimal(i + 1).div(10);
  const usdc = weth.mul(2000 + i);
  const buy = i % 2 === 0; // the trader takes WETH out of the pair
  return {
    id: `0x${((i * 7919) % 9973).toString(16).padStart(4, '0')}-${i % 3}`, pair: PAIR, timestamp: String(ts),
    amount0In: buy ? usdc.toFixed() : '0', amount1In: buy ? '0' : weth.toFixed(), amount0Out: buy ? '0' : usdc.toFixed(), amount1Out: buy ? weth.toFixed() : '0',
  };
}
const swaps2: Swap2[] = TS.map((ts, i) => swapAt(i, ts));
const expectedTrade = (i: number, ts: number) => {
  const s = swapAt(i, ts);
  const weth = new Decimal(i + 1).div(10);
  return [s.id, ts * 1000, i % 2 === 0 ? 'buy' : 'sell', new Decimal(2000 + i).toFixed(), weth.toFixed()];
};

type Args = { first?: number; skip?: number; orderBy?: string; orderDirection?: string; where?: Record<string, unknown>; id?: string };
function page<T extends { id: string; timestamp?: string }>(rows: T[], a: Args, match: (r: T, w: Record<string, unknown>) => boolean): T[] {
  if ((a.first ?? 100) > 1000) throw new Error('The `first` argument must be between 0 and 1000, but is ' + a.first);
  if ((a.skip ?? 0) > 5000) throw new Error('The `skip` argument must be between 0 and 5000, but is ' + a.skip);
  const w = a.where ?? {};
  const by = a.orderBy ?? 'id';
  const key = (r: T) => (by === 'timestamp' ? Number(r.timestamp) : by === 'id' ? r.id : Number((r as Record<string, unknown>)[by]));
  const sorted = rows.filter((r) => match(r, w)).sort((x, y) => {
    const a1 = key(x), b1 = key(y);
    const c = a1 < b1 ? -1 : a1 > b1 ? 1 : 0;
    // ties in the order key come back in an arbitrary (here: reversed id) order, as on a real indexer
    return (a.orderDirection === 'desc' ? -c : c) || (x.id < y.id ? 1 : -1);
  });
  return sorted.slice(a.skip ?? 0, (a.skip ?? 0) + (a.first ?? 100));
}

describe('subgraph source', () => {
  let db: TestDatabase;
  let server: LoopbackServer;
  const seen: Array<{ query: string; variables: Record<string, unknown> }> = [];
  const calls: string[] = [];
  const call: ProviderCall = (provider, _cost, fn) => {
    calls.push(provider);
    return fn();
  };
  const v3swaps = [
    { id: '0xaa#1', pool: POOL3, timestamp: '2000', amount0: '-3000', amount1: '1.5', sqrtPriceX96: '1' }, // trader sold 1.5 WETH for 3000 USDC
    { id: '0xaa#2', pool: POOL3, timestamp: '2001', amount0: '2010', amount1: '-1', sqrtPriceX96: '1' }, // bought 1 WETH for 2010 USDC
  ];

  beforeAll(async () => {
    db = await createTestDatabase();
    const s2 = buildSchema(SDL(false));
    const s3 = buildSchema(SDL(true));
    const swapMatch = (poolKey: string) => (r: Record<string, string>, w: Record<string, unknown>) =>
      (w[poolKey] === undefined || r[poolKey] === w[poolKey])
      && (w.timestamp === undefined || Number(r.timestamp) === Number(w.timestamp))
      && (w.timestamp_gt === undefined || Number(r.timestamp) > Number(w.timestamp_gt))
      && (w.timestamp_gte === undefined || Number(r.timestamp) >= Number(w.timestamp_gte))
      && (w.id_gt === undefined || r.id > String(w.id_gt));
    const idMatch = (r: { id: string }, w: Record<string, unknown>) => (w.id_in === undefined || (w.id_in as string[]).includes(r.id)) && (w.id === undefined || r.id === w.id);
    const root2 = {
      pairs: (a: Args) => page(pairs, a, idMatch),
      tokens: (a: Args) => page(tokens, a, idMatch),
      swaps: (a: Args) => page(swaps2 as unknown as Array<Record<string, string> & { id: string }>, a, swapMatch('pair')),
      bundle: (a: Args) => (a.id === '1' ? { id: '1', ethPrice: '2500.5' } : null),
      _meta: () => ({ block: { number: 19_000_000, timestamp: 1_717_000_000 } }),
    };
    const root3 = {
      pools: (a: Args) => page([{ id: POOL3, token0: tokens[1], token1: tokens[0], totalValueLockedUSD: '42', volumeUSD: '7' }], a, idMatch),
      tokens: (a: Args) => page(tokens, a, idMatch),
      swaps: (a: Args) => page(v3swaps as unknown as Array<Record<string, string> & { id: string }>, a, swapMatch('pool')),
      bundle: () => ({ id: '1', ethPriceUSD: '2400' }),
      _meta: () => ({ block: { number: 1, timestamp: null } }),
    };
    server = await loopbackServer(async (url, req, res) => {
      if (req.headers.authorization !== 'Bearer graph-key') return sendJson(res, { errors: [{ message: 'auth error: missing or invalid API key' }] });
      let raw = '';
      for await (const c of req) raw += c;
      const { query, variables } = JSON.parse(raw) as { query: string; variables: Record<string, unknown> };
      seen.push({ query, variables });
      const v3 = url.pathname.endsWith('/v3');
      const r = await graphql({ schema: v3 ? s3 : s2, source: query, rootValue: v3 ? root3 : root2, variableValues: variables });
      sendJson(res, r);
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const config = (extra: Record<string, unknown> = {}) => parseConfig({
    sources: [{ id: 'univ2', type: 'subgraph', schema: 'uniswap-v2', platform: 'ethereum', url: `${server.url}/subgraphs/v2`, apiKey: 'graph-key', provider: 'thegraph', pageSize: 3, pools: [PAIR, PAIR2], swaps: { since: 0 }, prices: { tokens: [DAI] }, ...extra }],
  }).sources[0];
  const stored = async (venue: string) => (await db.pool.query<{ trade_id: string; ms: string; side: string; price: string; amount: string }>(
    `SELECT trade_id, (extract(epoch FROM ts) * 1000)::int8 AS ms, side, price::text, amount::text FROM trades t JOIN markets m ON m.pk = t.market_pk
     WHERE m.venue_id = $1 ORDER BY ts, trade_id`, [venue])).rows.map((r) => [r.trade_id, Number(r.ms), r.side, r.price, r.amount]);

  it('pages swaps by timestamp and id cursors (ties included, never skip) into trades', async () => {
    const runner = new SourceRunner(await createSource(config(), '.'), db.pool, log, call);
    const r = await runner.runPass({ kind: 'trades', every: 60_000 }, signal);
    expect(r.errors).toEqual([]);
    const markets = (await db.pool.query('SELECT symbol FROM markets ORDER BY symbol')).rows.map((m) => m.symbol);
    expect(markets).toEqual(['WETH/DAI', 'WETH/USDC']);
    const want = TS.map((ts, i) => expectedTrade(i, ts)).sort((a, b) => (a[1] as number) - (b[1] as number) || (a[0] < b[0] ? -1 : 1));
    expect(await stored('univ2')).toEqual(want);
    expect(seen.every((q) => !/\bskip\b/.test(q.query) && Number(q.variables.first ?? 0) <= 3)).toBe(true);
    expect(calls.every((c) => c === 'thegraph')).toBe(true);
    const linked = (await db.pool.query('SELECT asset_id, platform, address FROM asset_addresses ORDER BY asset_id')).rows;
    expect(linked).toEqual([
      { asset_id: 'DAI', platform: 'ethereum', address: DAI },
      { asset_id: 'USDC', platform: 'ethereum', address: USDC },
      { asset_id: 'WETH', platform: 'ethereum', address: WETH },
    ]);
    // New swaps later: only they are added.
    swaps2.push(swapAt(12, 1005), swapAt(13, 1006), swapAt(14, 1006));
    const again = await runner.runPass({ kind: 'trades', every: 60_000 }, signal);
    expect(again.rows).toBe(3);
    expect((await stored('univ2')).slice(-3).map((t) => t[0]).sort()).toEqual([swapAt(12, 1005).id, swapAt(13, 1006).id, swapAt(14, 1006).id].sort());
    expect((await runner.runPass({ kind: 'trades', every: 60_000 }, signal)).rows).toBe(0);
  });

  it('token prices in USD and ETH and pool liquidity as metric series', async () => {
    const runner = new SourceRunner(await createSource(config(), '.'), db.pool, log, call);
    await runner.runPass({ kind: 'metrics', every: 60_000 }, signal);
    const rows = (await db.pool.query<{ name: string; labels: Record<string, string>; ms: string; value: string }>(
      `SELECT s.name, s.labels, (extract(epoch FROM p.ts) * 1000)::int8 AS ms, p.value::text FROM metric_points p JOIN metric_series s ON s.id = p.series_id`)).rows;
    const v = (name: string, key: string, val: string) => rows.find((r) => r.name === name && r.labels[key] === val)?.value;
    expect(v('token_price_usd', 'symbol', 'WETH')).toBe('2500.5');
    expect(v('token_price_usd', 'symbol', 'USDC')).toBe(new Decimal('0.0004').mul('2500.5').toFixed());
    expect(v('token_price_usd', 'symbol', 'DAI')).toBe(new Decimal('0.00039992').mul('2500.5').toFixed());
    expect(v('token_price_eth', 'symbol', 'DAI')).toBe('0.00039992');
    expect(v('pool_liquidity_usd', 'pool', PAIR)).toBe('123456789.5');
    expect(v('pool_volume_usd', 'market', 'WETH/DAI')).toBe('10');
    expect(rows.every((r) => Number(r.ms) === 1_717_000_000_000)).toBe(true);
  });

  it('v3 schema: signed amounts, pools by TVL when none are listed', async () => {
    const cfg = parseConfig({ sources: [{ id: 'univ3', type: 'subgraph', schema: 'uniswap-v3', url: `${server.url}/subgraphs/v3`, apiKey: 'graph-key', top: 5, swaps: { since: 0 }, prices: {} }] }).sources[0];
    const runner = new SourceRunner(await createSource(cfg, '.'), db.pool, log, call);
    expect((await runner.runPass({ kind: 'trades', every: 60_000 }, signal)).errors).toEqual([]);
    expect(await stored('univ3')).toEqual([
      ['0xaa#1', 2_000_000, 'sell', '2000', '1.5'],
      ['0xaa#2', 2_001_000, 'buy', '2010', '1'],
    ]);
    await runner.runPass({ kind: 'metrics', every: 60_000 }, signal);
    const usd = (await db.pool.query<{ value: string }>(`SELECT p.value::text FROM metric_points p JOIN metric_series s ON s.id = p.series_id WHERE s.name = 'token_price_usd' AND s.labels->>'venue' = 'univ3' AND s.labels->>'symbol' = 'USDC'`)).rows;
    expect(usd).toEqual([{ value: '0.96' }]);
  });

  it('GraphQL errors and a wrong API key fail the run with the indexer\'s message; bad config is named', async () => {
    const runner = new SourceRunner(await createSource(config({ apiKey: 'wrong' }), '.'), db.pool, log, call);
    await expect(runner.runPass({ kind: 'trades', every: 60_000 }, signal)).rejects.toThrow(/auth error: missing or invalid API key/);
    expect(() => config({ pools: [], top: 1001 })).toThrow(/top/);
    expect(() => config({ pageSize: 5000 })).toThrow(/pageSize/);
    expect(() => config({ schema: 'sushi' })).toThrow(/schema/);
    expect(() => parseConfig({ sources: [{ id: 'x', type: 'subgraph', schema: 'uniswap-v2', url: 'http://127.0.0.1:1/' }] })).toThrow(/fetches nothing/);
  });
});
