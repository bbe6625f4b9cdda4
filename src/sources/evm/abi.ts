// Events and calls the evm source decodes, and how a swap becomes a trade.
import { Decimal } from 'decimal.js';
import { decodeEventLog, formatUnits, parseAbi, toEventSelector, type Hex } from 'viem';
import type { Side, Trade } from '../../domain/types.js';
import type { RawLog } from './rpc.js';

export const erc20Abi = parseAbi([
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'function symbol() view returns (string)',
  'function name() view returns (string)',
  'function decimals() view returns (uint8)',
]);
export const erc721Abi = parseAbi(['event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)']);
export const erc1155Abi = parseAbi([
  'event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value)',
  'event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values)',
]);
export const v2FactoryAbi = parseAbi(['event PairCreated(address indexed token0, address indexed token1, address pair, uint256 pairIndex)']);
export const v3FactoryAbi = parseAbi(['event PoolCreated(address indexed token0, address indexed token1, uint24 indexed fee, int24 tickSpacing, address pool)']);
export const v2PairAbi = parseAbi([
  'event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out, address indexed to)',
  'event Sync(uint112 reserve0, uint112 reserve1)',
  'function token0() view returns (address)',
  'function token1() view returns (address)',
  'function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)',
]);
export const v3PoolAbi = parseAbi([
  'event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick)',
  'function token0() view returns (address)',
  'function token1() view returns (address)',
  'function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)',
  'function liquidity() view returns (uint128)',
]);

export const TOPIC = {
  transfer: toEventSelector('Transfer(address,address,uint256)'),
  transferSingle: toEventSelector('TransferSingle(address,address,address,uint256,uint256)'),
  transferBatch: toEventSelector('TransferBatch(address,address,address,uint256[],uint256[])'),
  pairCreated: toEventSelector('PairCreated(address,address,address,uint256)'),
  poolCreated: toEventSelector('PoolCreated(address,address,uint24,int24,address)'),
  v2Swap: toEventSelector('Swap(address,uint256,uint256,uint256,uint256,address)'),
  v3Swap: toEventSelector('Swap(address,address,int256,int256,uint160,uint128,int24)'),
} as const;

/** A pool as a market: which token is the base, and each token's decimals. */
export interface PoolInfo {
  pool: Hex;
  protocol: 'uniswap-v2' | 'uniswap-v3';
  token0: Hex;
  token1: Hex;
  decimals0: number;
  decimals1: number;
  baseIs0: boolean;
}

/**
 * A swap log as a trade. Amounts are the trader's net flows: the trader bought the base when
 * base left the pool ("buy") and sold it when base entered ("sell"); price = quote / base,
 * each scaled by its token's decimals; id = transaction hash + ":" + log index.
 */
export function swapToTrade(log: RawLog, p: PoolInfo, ts: number): Trade | null {
  let in0: bigint;
  let in1: bigint;
  if (p.protocol === 'uniswap-v2') {
    const { args } = decodeEventLog({ abi: v2PairAbi, eventName: 'Swap', topics: log.topics as [Hex, ...Hex[]], data: log.data });
    in0 = args.amount0In - args.amount0Out;
    in1 = args.amount1In - args.amount1Out;
  } else {
    // v3 amounts are signed from the pool's side: positive = paid into the pool.
    const { args } = decodeEventLog({ abi: v3PoolAbi, eventName: 'Swap', topics: log.topics as [Hex, ...Hex[]], data: log.data });
    in0 = args.amount0;
    in1 = args.amount1;
  }
  const baseIn = p.baseIs0 ? in0 : in1;
  const quoteIn = p.baseIs0 ? in1 : in0;
  if (baseIn === 0n || quoteIn === 0n) return null;
  const side: Side = baseIn < 0n ? 'buy' : 'sell';
  const abs = (x: bigint) => (x < 0n ? -x : x);
  const base = new Decimal(formatUnits(abs(baseIn), p.baseIs0 ? p.decimals0 : p.decimals1));
  const quote = new Decimal(formatUnits(abs(quoteIn), p.baseIs0 ? p.decimals1 : p.decimals0));
  return { ts, id: `${log.transactionHash}:${log.logIndex}`, side, price: quote.div(base).toSignificantDigits(20).toFixed(), amount: base.toFixed() };
}

/** Pool price (quote per base) from a v3 sqrtPriceX96, decimals-adjusted. */
export function sqrtPriceToPrice(sqrtPriceX96: bigint, p: Pick<PoolInfo, 'decimals0' | 'decimals1' | 'baseIs0'>): string {
  const raw = new Decimal(sqrtPriceX96.toString()).div(new Decimal(2).pow(96)).pow(2); // token1 per token0, raw units
  const p1per0 = raw.mul(new Decimal(10).pow(p.decimals0 - p.decimals1));
  return (p.baseIs0 ? p1per0 : new Decimal(1).div(p1per0)).toSignificantDigits(20).toFixed();
}
