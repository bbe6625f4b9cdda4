// Swap decoding for pools the local chain does not deploy (Uniswap v3): logs encoded with
// viem exactly as a v3 pool emits them, decoded by the evm source into trades.
import { encodeAbiParameters, encodeEventTopics, type Hex } from 'viem';
import { describe, expect, it } from 'vitest';
import { sqrtPriceToPrice, swapToTrade, v2PairAbi, v3PoolAbi, type PoolInfo } from '../src/sources/evm/abi.js';
import { decodeTransfers } from '../src/sources/evm/index.js';

const TX = `0x${'ab'.repeat(32)}` as Hex;
const A = '0x1111111111111111111111111111111111111111';
const B = '0x2222222222222222222222222222222222222222';
// token0 USDC (6 decimals), token1 WETH (18): WETH is the base.
const v3: PoolInfo = { pool: '0x3333333333333333333333333333333333333333', protocol: 'uniswap-v3', token0: A, token1: B, decimals0: 6, decimals1: 18, baseIs0: false };

function v3Swap(amount0: bigint, amount1: bigint, sqrtPriceX96: bigint) {
  const topics = encodeEventTopics({ abi: v3PoolAbi, eventName: 'Swap', args: { sender: A, recipient: B } }) as Hex[];
  const data = encodeAbiParameters(
    [{ type: 'int256' }, { type: 'int256' }, { type: 'uint160' }, { type: 'uint128' }, { type: 'int24' }],
    [amount0, amount1, sqrtPriceX96, 10n ** 18n, -197000],
  );
  return { address: v3.pool, topics, data, blockNumber: 10n, blockHash: TX, transactionHash: TX, logIndex: 4 };
}

describe('swap decoding', () => {
  it('v3: signed pool-side amounts, decimals, side and id', () => {
    // The trader pays 2500 USDC into the pool and takes 1 WETH out: a buy of WETH at 2500.
    expect(swapToTrade(v3Swap(2500n * 10n ** 6n, -(10n ** 18n), 0n), v3, 1_700_000_000_000)).toEqual({
      ts: 1_700_000_000_000, id: `${TX}:4`, side: 'buy', price: '2500', amount: '1',
    });
    // The trader sells 0.25 WETH for 600.5 USDC.
    expect(swapToTrade(v3Swap(-600_500_000n, 25n * 10n ** 16n, 0n), v3, 0)).toMatchObject({ side: 'sell', price: '2402', amount: '0.25' });
    // No base moved: not a trade.
    expect(swapToTrade(v3Swap(5n, 0n, 0n), v3, 0)).toBeNull();
  });

  it('v3: sqrtPriceX96 → quote per base, decimals-adjusted', () => {
    // 1 WETH (1e18) per 2500 USDC (2500e6): token1/token0 raw = 4e8, √ = 20000.
    expect(sqrtPriceToPrice(20000n * 2n ** 96n, v3)).toBe('2500');
    expect(sqrtPriceToPrice(20000n * 2n ** 96n, { ...v3, baseIs0: true })).toBe('0.0004');
  });

  it('v2: in/out amounts', () => {
    const p: PoolInfo = { ...v3, protocol: 'uniswap-v2', baseIs0: true, decimals0: 18, decimals1: 6 };
    const topics = encodeEventTopics({ abi: v2PairAbi, eventName: 'Swap', args: { sender: A, to: B } }) as Hex[];
    const data = encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }], [0n, 3_000_000_000n, 10n ** 18n, 0n]);
    expect(swapToTrade({ address: p.pool, topics, data, blockNumber: 1n, blockHash: TX, transactionHash: TX, logIndex: 0 }, p, 5)).toEqual({ ts: 5, id: `${TX}:0`, side: 'buy', price: '3000', amount: '1' });
  });

  it('transfers: an ERC-20-shaped log is not read as ERC-721 and vice versa', () => {
    const topics = [
      '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef',
      `0x${'0'.repeat(24)}${A.slice(2)}`,
      `0x${'0'.repeat(24)}${B.slice(2)}`,
    ] as Hex[];
    const data = encodeAbiParameters([{ type: 'uint256' }], [42n]);
    const log = { address: A as Hex, topics, data, blockNumber: 7n, logIndex: 1, transactionHash: TX };
    expect(decodeTransfers(log, 'erc20', 0)).toEqual([{ token: A, block: 7n, logIndex: 1, txHash: TX, ts: 0, sub: 0, from: A, to: B, tokenId: null, amount: '42' }]);
    expect(decodeTransfers(log, 'erc721', 0)).toEqual([]);
  });
});
