// The evm source against a real local chain (Ganache in process): test ERC-20s, an ERC-721
// and an ERC-1155 compiled with solc, the Uniswap V2 factory and pair from @uniswap/v2-core's
// artifacts. Liquidity, swaps, transfers and mints happen on chain; Wick's trades, candles,
// holders and transfers must equal what the chain says, across a snapshot/revert reorg and a
// restart. The RPC goes through a loopback proxy that refuses wide eth_getLogs ranges, behind
// a dead first URL (fallback).
import { Decimal } from 'decimal.js';
import pino from 'pino';
import { Writable } from 'node:stream';
import { formatUnits, parseUnits, type Abi, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { parseConfig } from '../src/config/load.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { createSource } from '../src/sources/registry.js';
import type { EvmSource } from '../src/sources/evm/index.js';
import { ChainClient } from '../src/sources/evm/rpc.js';
import { TOPIC } from '../src/sources/evm/abi.js';
import type { EvmConfig } from '../src/sources/evm/config.js';
import type { ProviderCall } from '../src/sources/types.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { localChain, testContracts, uniswapV2, type LocalChain } from './helpers/evm.js';
import { loopbackServer, type LoopbackServer } from './helpers/http.js';

const MAX_RANGE = 3;
const signal = new AbortController().signal;

describe('evm source on a local chain', () => {
  let chain: LocalChain;
  let db: TestDatabase;
  let proxy: LoopbackServer;
  /** The first RPC URL, down (503): the client fails over to the proxy and stays there. */
  let down: LoopbackServer;
  const ranges: Array<[number, number, 'ok' | 'refused', string]> = [];
  const logs: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, new Writable({ write(c, _e, cb) { logs.push(JSON.parse(String(c))); cb(); } }));
  const spent: Record<string, number> = {};
  const call: ProviderCall = (provider, cost, fn) => {
    spent[provider] = (spent[provider] ?? 0) + cost;
    return fn();
  };
  let deployer: Hex, alice: Hex, bob: Hex, carol: Hex, dave: Hex;
  let usdc: Hex, weth: Hex, nft: Hex, multi: Hex, factory: Hex, pair: Hex;
  let wethIs0: boolean;
  let pairCreatedAt: bigint;
  const C = () => testContracts();
  const pairAbi = () => uniswapV2('UniswapV2Pair').abi;
  /** [side, amount WETH, price USDC per WETH] of each swap, computed from what was sent. */
  const expected: Array<{ side: 'buy' | 'sell'; amount: string; price: string; block: bigint; hash: Hex }> = [];
  let config: ReturnType<typeof parseConfig>;
  let source: EvmSource;
  let runner: SourceRunner;

  const mint = (token: Hex, to: Hex, v: bigint) => chain.send(deployer, token, C().TestToken.abi, 'mint', [to, v]);
  const transfer = (token: Hex, from: Hex, to: Hex, v: bigint) => chain.send(from, token, C().TestToken.abi, 'transfer', [to, v]);
  const reserves = async () => {
    const [r0, r1] = await chain.pub.readContract({ address: pair, abi: pairAbi(), functionName: 'getReserves' }) as [bigint, bigint, number];
    return wethIs0 ? { weth: r0, usdc: r1 } : { weth: r1, usdc: r0 };
  };
  const out = (amountIn: bigint, rIn: bigint, rOut: bigint) => (amountIn * 997n * rOut) / (rIn * 1000n + amountIn * 997n);
  /** Trader pays `amountIn` of one token into the pair and takes the other out (what a router does). */
  async function swap(trader: Hex, payUsdc: boolean, amountIn: bigint) {
    const r = await reserves();
    const got = payUsdc ? out(amountIn, r.usdc, r.weth) : out(amountIn, r.weth, r.usdc);
    await transfer(payUsdc ? usdc : weth, trader, pair, amountIn);
    const wethOut = payUsdc ? got : 0n;
    const usdcOut = payUsdc ? 0n : got;
    const tx = await chain.send(trader, pair, pairAbi(), 'swap', wethIs0 ? [wethOut, usdcOut, trader, '0x'] : [usdcOut, wethOut, trader, '0x']);
    const wethAmt = new Decimal(formatUnits(payUsdc ? got : amountIn, 18));
    const usdcAmt = new Decimal(formatUnits(payUsdc ? amountIn : got, 6));
    return { side: (payUsdc ? 'buy' : 'sell') as 'buy' | 'sell', amount: wethAmt.toFixed(), price: usdcAmt.div(wethAmt).toSignificantDigits(20).toFixed(), block: tx.blockNumber, hash: tx.hash };
  }

  beforeAll(async () => {
    chain = await localChain(1337);
    [deployer, alice, bob, carol, dave] = chain.accounts;
    db = await createTestDatabase();
    proxy = await loopbackServer(async (_url, req, res) => {
      let raw = '';
      for await (const c of req) raw += c;
      const body = JSON.parse(raw) as { id: number; method: string; params: Array<{ fromBlock: string; toBlock: string; address: string | string[] }> };
      if (body.method === 'eth_getLogs') {
        const from = Number(body.params[0].fromBlock);
        const to = Number(body.params[0].toBlock);
        if (to - from + 1 > MAX_RANGE) {
          ranges.push([from, to, 'refused', String(body.params[0].address)]);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ jsonrpc: '2.0', id: body.id, error: { code: -32005, message: 'query returned more than 10000 results' } }));
          return;
        }
        ranges.push([from, to, 'ok', String(body.params[0].address)]);
      }
      const r = await fetch(chain.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(await r.text());
    });

    down = await loopbackServer((_u, _req, res) => {
      res.writeHead(503);
      res.end('maintenance');
    });
    usdc = await chain.deploy(deployer, C().TestToken, ['USD Coin', 'USDC', 6]);
    weth = await chain.deploy(deployer, C().TestToken, ['Wrapped Ether', 'WETH', 18]);
    nft = await chain.deploy(deployer, C().TestNFT);
    multi = await chain.deploy(deployer, C().TestMulti);
    factory = await chain.deploy(deployer, uniswapV2('UniswapV2Factory'), [deployer]);
    pairCreatedAt = (await chain.send(deployer, factory, uniswapV2('UniswapV2Factory').abi, 'createPair', [weth, usdc])).blockNumber;
    pair = (await chain.pub.readContract({ address: factory, abi: uniswapV2('UniswapV2Factory').abi, functionName: 'getPair', args: [weth, usdc] }) as Hex).toLowerCase() as Hex;
    wethIs0 = weth < usdc;
    // Liquidity: 10 WETH + 20 000 USDC (2000 USDC per WETH).
    await mint(weth, deployer, parseUnits('10', 18));
    await mint(usdc, deployer, parseUnits('20000', 6));
    await transfer(weth, deployer, pair, parseUnits('10', 18));
    await transfer(usdc, deployer, pair, parseUnits('20000', 6));
    await chain.send(deployer, pair, pairAbi(), 'mint', [deployer]);
    // Trading and transfers.
    await mint(usdc, alice, parseUnits('5000', 6));
    await mint(weth, bob, parseUnits('2', 18));
    expected.push(await swap(alice, true, parseUnits('1000', 6)));
    expected.push(await swap(bob, false, parseUnits('0.5', 18)));
    await transfer(usdc, alice, bob, parseUnits('250.5', 6));
    await chain.send(deployer, nft, C().TestNFT.abi, 'mint', [alice, 1n]);
    await chain.send(deployer, nft, C().TestNFT.abi, 'mint', [alice, 2n]);
    await chain.send(alice, nft, C().TestNFT.abi, 'transferFrom', [alice, bob, 1n]);
    await chain.send(deployer, multi, C().TestMulti.abi, 'mint', [alice, 7n, 100n]);
    await chain.send(deployer, multi, C().TestMulti.abi, 'mint', [alice, 8n, 5n]);
    await chain.send(alice, multi, C().TestMulti.abi, 'batchTransfer', [carol, [7n, 8n], [30n, 5n]]);
    // Two more blocks make the swaps final (confirmations: 2).
    await chain.rpc('evm_mine');
    await chain.rpc('evm_mine');

    config = parseConfig({
      sources: [{
        id: 'local-uni', type: 'evm', venue: 'uniswap-local',
        chain: { name: 'local', id: 1337, rpc: [down.url, proxy.url], confirmations: 2, provider: 'node', costs: { eth_getLogs: 75, eth_blockNumber: 10 } },
        logRange: { initial: 16, max: 64 },
        dex: { protocol: 'uniswap-v2', factory, orderbook: { steps: [0.01, 0.05] } },
        tokens: [{ address: usdc, standard: 'erc20' }, { address: nft, standard: 'erc721' }, { address: multi, standard: 'erc1155' }],
      }],
    });
    source = await createSource(config.sources[0], '.') as EvmSource;
    runner = new SourceRunner(source, db.pool, log, call);
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await down?.close();
    await chain?.close();
    await db?.drop();
  });

  /** Trades by transaction: swaps may share a block second, so compare by transaction, not order. */
  const byTx = (rows: Array<{ trade_id?: string; hash?: Hex; side: string; amount: string; price: string }>) =>
    Object.fromEntries(rows.map((t) => [(t.hash ?? t.trade_id!.split(':')[0]).toLowerCase(), [t.side, t.amount, t.price]]));
  const storedTrades = async () => (await db.pool.query<{ trade_id: string; side: string; amount: string; price: string }>(
    `SELECT trade_id, side, amount::text, price::text FROM trades t JOIN markets m ON m.pk = t.market_pk WHERE m.venue_id = 'uniswap-local' ORDER BY ts, trade_id`)).rows;

  it('discovers the pair from the factory and stores its final swaps as trades (decimals, side, price)', async () => {
    const r = await runner.runPass({ kind: 'trades', every: 60_000 }, signal);
    expect(r.errors).toEqual([]);
    const markets = (await db.pool.query('SELECT id, symbol, base_id, quote_id FROM markets')).rows;
    expect(markets).toEqual([{ id: 'uniswap-local:WETH-USDC', symbol: 'WETH/USDC', base_id: 'WETH', quote_id: 'USDC' }]);
    const trades = await storedTrades();
    expect(byTx(trades)).toEqual(byTx(expected));
    expect(trades.every((t) => /^0x[0-9a-f]{64}:\d+$/.test(t.trade_id))).toBe(true);
    // Candles built from these trades: one 1-day candle with both swaps, high/low their prices.
    const day = (await db.pool.query<{ volume: string; high: string; low: string; trades: number }>(
      `SELECT volume::text, high::text, low::text, trades FROM candles WHERE resolution = 86400`)).rows;
    const prices = expected.map((e) => new Decimal(e.price));
    expect(day).toEqual([{ volume: new Decimal(expected[0].amount).plus(expected[1].amount).toFixed(), high: Decimal.max(...prices).toFixed(), low: Decimal.min(...prices).toFixed(), trades: 2 }]);
    // Token metadata was read from the chain once and stored.
    const tokens = (await db.pool.query('SELECT address, standard, symbol, decimals FROM evm_tokens ORDER BY symbol')).rows;
    expect(tokens).toEqual(expect.arrayContaining([
      { address: usdc, standard: 'erc20', symbol: 'USDC', decimals: 6 },
      { address: weth, standard: 'erc20', symbol: 'WETH', decimals: 18 },
    ]));
    // Every eth_getLogs the node accepted was at most MAX_RANGE blocks; wider ones were refused and split.
    expect(ranges.some((x) => x[2] === 'refused')).toBe(true);
    expect(ranges.filter((x) => x[2] === 'ok').every(([a, b]) => b - a + 1 <= MAX_RANGE)).toBe(true);
    expect(spent.node).toBeGreaterThan(0);
    expect(down.requests.length).toBe(1); // failed over once, then stayed on the working URL
    // The pair's swaps were read from the block the factory created it in, not from block 0.
    expect(Math.min(...ranges.filter((x) => x[3] === pair).map((x) => x[0]))).toBe(Number(pairCreatedAt));
    // A second pass finds nothing new.
    expect((await runner.runPass({ kind: 'trades', every: 60_000 }, signal)).rows).toBe(0);
  });

  /** Holders and balances as the chain reports them, for the given accounts. */
  async function chainBalances(token: Hex, who: Hex[]): Promise<Record<string, string>> {
    const outMap: Record<string, string> = {};
    for (const a of [...who, pair]) {
      const b = await chain.pub.readContract({ address: token, abi: C().TestToken.abi, functionName: 'balanceOf', args: [a] }) as bigint;
      if (b > 0n) outMap[a] = b.toString();
    }
    return outMap;
  }
  const storedBalances = async (token: Hex) => Object.fromEntries((await db.pool.query<{ holder: string; balance: string }>(
    'SELECT holder, balance::text FROM evm_balances WHERE token = $1', [token])).rows.map((r) => [r.holder, r.balance]));

  it('indexes ERC-20/721/1155 transfers and balances equal to the chain', async () => {
    const r = await runner.runPass({ kind: 'metrics', every: 60_000 }, signal);
    expect(r.errors).toEqual([]);
    expect(await storedBalances(usdc)).toEqual(await chainBalances(usdc, chain.accounts));
    const owners = async (id: bigint) => (await chain.pub.readContract({ address: nft, abi: C().TestNFT.abi, functionName: 'ownerOf', args: [id] }) as string).toLowerCase();
    expect(await owners(1n)).toBe(bob);
    expect(await storedBalances(nft)).toEqual({ [alice]: '1', [bob]: '1' });
    expect(await storedBalances(multi)).toEqual({ [alice]: '70', [carol]: '35' });
    const batch = (await db.pool.query('SELECT sub, token_id::text, amount::text FROM evm_transfers WHERE token = $1 AND to_addr = $2 ORDER BY sub', [multi, carol])).rows;
    expect(batch).toEqual([{ sub: 0, token_id: '7', amount: '30' }, { sub: 1, token_id: '8', amount: '5' }]);
    const holdersMetric = (await db.pool.query<{ token: string; value: string }>(
      `SELECT s.labels->>'token' AS token, p.value::text FROM metric_points p JOIN metric_series s ON s.id = p.series_id WHERE s.name = 'evm_token_holders' ORDER BY 1`)).rows;
    expect(Object.fromEntries(holdersMetric.map((h) => [h.token, h.value]))).toEqual({ [usdc]: String(Object.keys(await chainBalances(usdc, chain.accounts)).length), [nft]: '2', [multi]: '2' });
  });

  it('rolls back a reorg inside the confirmation window: no orphaned transfers, balances or trades', async () => {
    const snap = await chain.rpc<string>('evm_snapshot');
    await transfer(usdc, alice, carol, parseUnits('5', 6));
    const orphanSwap = await swap(bob, false, parseUnits('0.1', 18));
    await runner.runPass({ kind: 'metrics', every: 60_000 }, signal);
    await runner.runPass({ kind: 'trades', every: 60_000 }, signal);
    expect((await storedBalances(usdc))[carol]).toBe('5000000'); // indexed while unconfirmed
    expect((await storedTrades()).length).toBe(2); // the swap is not final yet
    expect(orphanSwap.side).toBe('sell');

    await chain.rpc('evm_revert', [snap]);
    await transfer(usdc, alice, dave, parseUnits('7', 6));
    for (let i = 0; i < 3; i++) await chain.rpc('evm_mine');
    await runner.runPass({ kind: 'metrics', every: 60_000 }, signal);
    await runner.runPass({ kind: 'trades', every: 60_000 }, signal);
    expect(logs.some((l) => l.msg === 'chain reorg: rolled back the replaced blocks')).toBe(true);
    const balances = await storedBalances(usdc);
    expect(balances[carol]).toBeUndefined();
    expect(balances[dave]).toBe('7000000');
    expect(balances).toEqual(await chainBalances(usdc, chain.accounts));
    // every stored transfer is in a block the chain still has, with the same transaction
    const rows = (await db.pool.query<{ block: string; tx_hash: string }>('SELECT block::text, tx_hash FROM evm_transfers')).rows;
    for (const t of rows) {
      const receipt = await chain.pub.getTransactionReceipt({ hash: t.tx_hash as Hex });
      expect(receipt.blockNumber.toString()).toBe(t.block);
    }
    expect((await storedTrades()).length).toBe(2);
  });

  it('continues after a restart without duplicates, and picks up new activity', async () => {
    const fresh = new SourceRunner(await createSource(config.sources[0], '.'), db.pool, log, call);
    const before = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM evm_transfers')).rows[0].n;
    const seen = ranges.length;
    expect((await fresh.runPass({ kind: 'trades', every: 60_000 }, signal)).rows).toBe(0);
    // The factory's pools and scan position were stored: no re-scan from the start block.
    expect(ranges.slice(seen).filter((r) => r[3] === factory && r[0] === 0)).toEqual([]);
    expect((await db.pool.query('SELECT pool FROM evm_pools')).rows).toEqual([{ pool: pair }]);
    await fresh.runPass({ kind: 'metrics', every: 60_000 }, signal);
    expect((await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM evm_transfers')).rows[0].n).toBe(before);
    const s = await swap(alice, true, parseUnits('100', 6));
    await transfer(usdc, bob, carol, parseUnits('1', 6));
    await chain.rpc('evm_mine');
    await chain.rpc('evm_mine');
    expect((await fresh.runPass({ kind: 'trades', every: 60_000 }, signal)).rows).toBe(1);
    await fresh.runPass({ kind: 'metrics', every: 60_000 }, signal);
    expect(byTx(await storedTrades())).toEqual(byTx([...expected, s]));
    expect(await storedBalances(usdc)).toEqual(await chainBalances(usdc, chain.accounts));
  });

  it('sizes eth_getLogs ranges adaptively: grows while answers are small, halves when refused, loses nothing', async () => {
    const cfg = parseConfig({ sources: [{ id: 'ranges', type: 'evm', chain: { name: 'local', id: 1337, rpc: [proxy.url], confirmations: 0 }, logRange: { initial: 1, max: 64, quietBelow: 1000 }, tokens: [{ address: usdc, standard: 'erc20' }] }] }).sources[0];
    const c = new ChainClient(cfg as EvmConfig);
    const head = await c.head();
    const seen = ranges.length;
    const got: string[] = [];
    for await (const { logs } of c.logs({ address: usdc, topics: [TOPIC.transfer] }, 0n, head)) got.push(...logs.map((l) => `${l.transactionHash}:${l.logIndex}`));
    const direct = await chain.rpc<Array<{ transactionHash: string; logIndex: string }>>('eth_getLogs', [{ address: usdc, topics: [TOPIC.transfer], fromBlock: '0x0', toBlock: `0x${head.toString(16)}` }]);
    expect(got).toEqual(direct.map((l) => `${l.transactionHash}:${Number(l.logIndex)}`));
    const mine = ranges.slice(seen).filter((r) => r[3] === usdc);
    const sizes = mine.map(([a, b, status]) => `${b - a + 1}${status === 'refused' ? 'x' : ''}`);
    // 1 block, then 2, then 4 is refused (the node allows 3) and halved to 2, and so on
    expect(sizes.slice(0, 4)).toEqual(['1', '2', '4x', '2']);
    expect(mine.filter((r) => r[2] === 'ok').every(([a, b]) => b - a + 1 <= MAX_RANGE)).toBe(true);
  });

  it('snapshots a constant-product book from the reserves', async () => {
    const r = await runner.runPass({ kind: 'orderbook', every: 60_000 }, signal);
    expect(r.errors).toEqual([]);
    const book = (await db.pool.query<{ bids: [string, string][]; asks: [string, string][] }>('SELECT bids, asks FROM orderbook_snapshots')).rows[0];
    const res = await reserves();
    const x = new Decimal(formatUnits(res.weth, 18));
    const y = new Decimal(formatUnits(res.usdc, 6));
    const p0 = y.div(x);
    const k = x.mul(y);
    const at = (p: Decimal) => k.div(p).sqrt();
    const sig = (d: Decimal) => d.toSignificantDigits(12).toFixed();
    expect(book.asks).toEqual([
      [sig(p0.mul(1.01)), sig(x.minus(at(p0.mul(1.01))))],
      [sig(p0.mul(1.05)), sig(at(p0.mul(1.01)).minus(at(p0.mul(1.05))))],
    ]);
    expect(book.bids[0]).toEqual([sig(p0.mul(0.99)), sig(at(p0.mul(0.99)).minus(x))]);
  });

  it('serves holders, holder history, token and wallet transfers; bad refs are 4xx', async () => {
    const app = await buildApi({ pool: db.pool, config, log: pino({ level: 'silent' }) });
    try {
      const get = async (p: string) => {
        const r = await app.inject({ method: 'GET', url: p });
        return { status: r.statusCode, body: r.json() };
      };
      const chainBal = await chainBalances(usdc, chain.accounts);
      const h = await get(`/v1/tokens/local:${usdc}/holders?limit=2`);
      expect(h.status).toBe(200);
      expect(h.body.token).toMatchObject({ symbol: 'USDC', decimals: 6, standard: 'erc20' });
      expect(h.body.holders).toBe(Object.keys(chainBal).length);
      const top = Object.entries(chainBal).sort((a, b) => (BigInt(b[1]) > BigInt(a[1]) ? 1 : -1)).slice(0, 2);
      expect(h.body.top.map((t: { address: string; balance: string }) => [t.address, t.balance])).toEqual(top);
      expect(h.body.top[0].value).toBe(formatUnits(BigInt(top[0][1]), 6));
      const hist = await get(`/v1/tokens/local:${usdc}/holders/history`);
      expect(hist.body.history[hist.body.history.length - 1].holders).toBe(Object.keys(chainBal).length);
      const nftT = await get(`/v1/tokens/local:${nft}/transfers?limit=2`);
      expect(nftT.body.transfers.map((t: { from: string; to: string; token_id: string }) => [t.from, t.to, t.token_id])).toEqual([[alice, bob, '1'], ['0x0000000000000000000000000000000000000000', alice, '2']]);
      const next = await get(`/v1/tokens/local:${nft}/transfers?limit=2&before=${nftT.body.next}`);
      expect(next.body.transfers.map((t: { token_id: string }) => t.token_id)).toEqual(['1']);
      // An ERC-1155 batch is one log with several rows: pages split it without losing any.
      const m1 = await get(`/v1/tokens/local:${multi}/transfers?limit=1`);
      const m2 = await get(`/v1/tokens/local:${multi}/transfers?limit=1&before=${m1.body.next}`);
      expect([...m1.body.transfers, ...m2.body.transfers].map((t: { token_id: string; amount: string; to: string }) => [t.token_id, t.amount, t.to])).toEqual([['8', '5', carol], ['7', '30', carol]]);
      const w = await get(`/v1/wallets/local:${dave}/transfers`);
      expect(w.body.transfers.map((t: { token: string; value: string; to: string }) => [t.token, t.value, t.to])).toEqual([[usdc, '7', dave]]);
      expect((await get('/v1/tokens/local:0x12/holders')).status).toBe(400);
      expect((await get(`/v1/tokens/mainnet:${usdc}/holders`)).body.message).toMatch(/unknown chain "mainnet" \(configured: local\)/);
      expect((await get(`/v1/tokens/local:${weth}/transfers?before=x`)).status).toBe(400);
      // The pool's synthetic book gives it liquidity figures: asks within +2 % of mid = the 1 % level.
      const res = await reserves();
      const x = new Decimal(formatUnits(res.weth, 18));
      const y = new Decimal(formatUnits(res.usdc, 6));
      const p1 = y.div(x).mul(1.01);
      const liq = await get('/v1/markets/uniswap-local:WETH-USDC/liquidity');
      expect(liq.status).toBe(200);
      expect(liq.body.current.depth_ask_usd).toBeCloseTo(p1.mul(x.minus(x.mul(y).div(p1).sqrt())).toNumber(), 2);
      expect(liq.body.current.mid).toBeCloseTo(y.div(x).toNumber(), 6);
      // Pool tokens are found by contract address: a chart of WETH in USDC.
      const chart = await get(`/v1/tokens/${weth}/chart?unit_hours=24`);
      expect(chart.status).toBe(200);
      expect(chart.body.token).toMatchObject({ id: 'WETH', name: 'Wrapped Ether', addresses: [{ platform: 'local', address: weth }] });
      expect(chart.body.market).toBe('uniswap-local:WETH-USDC');
      expect(chart.body.data).toHaveLength(1);
      const spec = (await get('/openapi.json')).body;
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/tokens/{ref}/holders', '/v1/tokens/{ref}/holders/history', '/v1/tokens/{ref}/transfers', '/v1/wallets/{ref}/transfers']));
    } finally {
      await app.close();
    }
  });
});
