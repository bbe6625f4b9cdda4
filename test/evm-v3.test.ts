// Uniswap V3 on the local chain: the factory from @uniswap/v3-core's artifacts, a pool found
// through PoolCreated, liquidity and swaps paid through a small callback contract; the evm
// source's trades must equal the trader's balance changes, and its book sit around the pool price.
import { Decimal } from 'decimal.js';
import pino from 'pino';
import { formatUnits, parseUnits, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { createSource } from '../src/sources/registry.js';
import { sqrtPriceToPrice } from '../src/sources/evm/abi.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { localChain, testContracts, uniswapV3, type LocalChain } from './helpers/evm.js';

const signal = new AbortController().signal;
const MIN_SQRT_RATIO = 4295128739n;
const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;
const MAX = 2n ** 255n;

function isqrt(n: bigint): bigint {
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

describe('evm source: Uniswap V3 pools', () => {
  let chain: LocalChain;
  let db: TestDatabase;
  let deployer: Hex, alice: Hex;
  let usdc: Hex, weth: Hex, helper: Hex, factory: Hex, pool: Hex;
  let wethIs0: boolean;
  const expected: Array<{ hash: Hex; side: string; amount: string; price: string }> = [];
  const T = () => testContracts().TestToken.abi;
  const bal = async (token: Hex, who: Hex) => chain.pub.readContract({ address: token, abi: T(), functionName: 'balanceOf', args: [who] }) as Promise<bigint>;

  async function swap(buyWeth: boolean, amountIn: bigint) {
    const [u0, w0] = [await bal(usdc, alice), await bal(weth, alice)];
    const zeroForOne = buyWeth ? !wethIs0 : wethIs0; // paying token0 moves the price down
    const tx = await chain.send(alice, helper, testContracts().V3Helper.abi, 'swap', [pool, zeroForOne, amountIn, zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n]);
    const [u1, w1] = [await bal(usdc, alice), await bal(weth, alice)];
    const dUsdc = new Decimal(formatUnits(u0 > u1 ? u0 - u1 : u1 - u0, 6));
    const dWeth = new Decimal(formatUnits(w0 > w1 ? w0 - w1 : w1 - w0, 18));
    expected.push({ hash: tx.hash, side: buyWeth ? 'buy' : 'sell', amount: dWeth.toFixed(), price: dUsdc.div(dWeth).toSignificantDigits(20).toFixed() });
  }

  beforeAll(async () => {
    chain = await localChain(1338);
    [deployer, alice] = chain.accounts;
    db = await createTestDatabase();
    const C = testContracts();
    usdc = await chain.deploy(deployer, C.TestToken, ['USD Coin', 'USDC', 6]);
    weth = await chain.deploy(deployer, C.TestToken, ['Wrapped Ether', 'WETH', 18]);
    helper = await chain.deploy(deployer, C.V3Helper);
    factory = await chain.deploy(deployer, uniswapV3('UniswapV3Factory'));
    await chain.send(deployer, factory, uniswapV3('UniswapV3Factory').abi, 'createPool', [weth, usdc, 3000]);
    pool = (await chain.pub.readContract({ address: factory, abi: uniswapV3('UniswapV3Factory').abi, functionName: 'getPool', args: [weth, usdc, 3000] }) as string).toLowerCase() as Hex;
    wethIs0 = weth < usdc;
    // 2000 USDC per WETH: token1 per token0 in raw units, as a Q64.96 square root.
    const [raw0, raw1] = wethIs0 ? [10n ** 18n, 2000n * 10n ** 6n] : [2000n * 10n ** 6n, 10n ** 18n];
    await chain.send(deployer, pool, uniswapV3('UniswapV3Pool').abi, 'initialize', [isqrt((raw1 << 192n) / raw0)]);
    for (const who of [deployer, alice]) {
      for (const t of [usdc, weth]) {
        await chain.send(deployer, t, T(), 'mint', [who, 10n ** 30n]);
        await chain.send(who, t, T(), 'approve', [helper, MAX]);
      }
    }
    await chain.send(deployer, helper, C.V3Helper.abi, 'mint', [pool, -887220, 887220, 10n ** 17n]);
    await swap(true, parseUnits('1000', 6)); // pay 1000 USDC for WETH
    await swap(false, parseUnits('0.3', 18)); // sell 0.3 WETH
    await chain.rpc('evm_mine');
  }, 120_000);
  afterAll(async () => {
    await chain?.close();
    await db?.drop();
  });

  it('finds the pool through PoolCreated and stores its swaps as the trader saw them', async () => {
    const cfg = parseConfig({ sources: [{ id: 'v3', type: 'evm', chain: { name: 'local', id: 1338, rpc: [chain.url], confirmations: 1 }, dex: { protocol: 'uniswap-v3', factory, orderbook: { steps: [0.01, 0.02] } } }] });
    const runner = new SourceRunner(await createSource(cfg.sources[0], '.'), db.pool, pino({ level: 'silent' }));
    const r = await runner.runPass({ kind: 'trades', every: 60_000 }, signal);
    expect(r.errors).toEqual([]);
    expect((await db.pool.query('SELECT symbol FROM markets')).rows).toEqual([{ symbol: 'WETH/USDC' }]);
    const rows = (await db.pool.query<{ trade_id: string; side: string; amount: string; price: string }>('SELECT trade_id, side, amount::text, price::text FROM trades ORDER BY ts, trade_id')).rows;
    const byTx = (xs: Array<{ hash?: string; trade_id?: string; side: string; amount: string; price: string }>) =>
      Object.fromEntries(xs.map((x) => [(x.hash ?? x.trade_id!.split(':')[0]).toLowerCase(), [x.side, x.amount, x.price]]));
    expect(byTx(rows)).toEqual(byTx(expected));

    // The synthetic book straddles the pool price (slot0) at the final block.
    await runner.runPass({ kind: 'orderbook', every: 60_000 }, signal);
    const book = (await db.pool.query<{ bids: [string, string][]; asks: [string, string][] }>('SELECT bids, asks FROM orderbook_snapshots')).rows[0];
    const [sqrtPriceX96] = await chain.pub.readContract({ address: pool, abi: uniswapV3('UniswapV3Pool').abi, functionName: 'slot0' }) as [bigint];
    const p = Number(sqrtPriceToPrice(sqrtPriceX96, { decimals0: wethIs0 ? 18 : 6, decimals1: wethIs0 ? 6 : 18, baseIs0: wethIs0 }));
    expect(Number(book.asks[0][0])).toBeCloseTo(p * 1.01, 6);
    expect(Number(book.bids[0][0])).toBeCloseTo(p * 0.99, 6);
    expect(Number(book.asks[0][1])).toBeGreaterThan(0);
    expect(p).toBeGreaterThan(1900);
    expect(p).toBeLessThan(2100);
  });
});
