import { z } from 'zod';
import { duration } from '../../config/units.js';
import { sourceId } from '../common-config.js';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address').transform((a) => a.toLowerCase() as `0x${string}`);

/** Quote preference for pool markets: of a pool's two tokens the one listed first here is the quote. */
export const DEFAULT_EVM_QUOTES = ['USDC', 'USDT', 'DAI', 'WETH', 'ETH', 'WBTC', 'WBNB', 'WMATIC'];

export const evmConfigSchema = z.strictObject({
  id: sourceId,
  type: z.literal('evm'),
  /** Venue the pools' trades are stored under (e.g. "uniswap-v2"); defaults to the source id. */
  venue: z.string().regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, "-" or "_"').optional(),
  chain: z.strictObject({
    /** Name used in API paths (`/v1/tokens/{name}:{address}/…`), e.g. "ethereum". */
    name: z.string().regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, "-" or "_"'),
    /** Expected chain id; the node must report it. */
    id: z.number().int().positive(),
    /** JSON-RPC URLs, tried in order (fallback when one fails). */
    rpc: z.array(z.url()).min(1),
    /** Blocks below the head before a block is final. Trades are stored from final blocks only; transfers also from newer ones, rolled back on a reorg. */
    confirmations: z.number().int().min(0).max(1000).default(12),
    /** Provider whose budget the calls count against; defaults to the source id. */
    provider: z.string().min(1).optional(),
    /** Cost of each JSON-RPC method in the provider's units (e.g. compute units); unlisted methods cost `defaultCost`. */
    costs: z.record(z.string(), z.number().nonnegative()).default({}),
    defaultCost: z.number().nonnegative().default(1),
    timeout: duration.default(15_000),
  }),
  /** First block to index. */
  startBlock: z.number().int().min(0).default(0),
  /** eth_getLogs block ranges: start at `initial`, halve on range / too-many-results errors, double while answers stay small. */
  logRange: z.strictObject({
    initial: z.number().int().positive().default(2000),
    max: z.number().int().positive().default(10_000),
    /** An answer with fewer logs than this lets the next range grow. */
    quietBelow: z.number().int().positive().default(1000),
  }).default({ initial: 2000, max: 10_000, quietBelow: 1000 }),
  dex: z.strictObject({
    protocol: z.enum(['uniswap-v2', 'uniswap-v3']).default('uniswap-v2'),
    /** Factory whose PairCreated / PoolCreated events list the pools (from startBlock). */
    factory: address.optional(),
    /** Pools to index (besides those the factory lists). */
    pools: z.array(address).default([]),
    /** Keep only factory pools with at least one of these tokens (a busy factory lists hundreds of thousands). */
    withTokens: z.array(address).optional(),
    quotes: z.array(z.string().min(1)).default(DEFAULT_EVM_QUOTES),
    every: duration.default(60_000),
    /** A synthetic order book from the pool's reserves (constant product), for depth and liquidity figures. */
    orderbook: z.strictObject({
      every: duration.default(300_000),
      /** Price steps away from the pool price, as fractions (0.01 = 1 %). */
      steps: z.array(z.number().positive().max(10)).min(1).default([0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1]),
    }).optional(),
  }).optional(),
  /** Contracts whose transfers (and so holders) are indexed. */
  tokens: z.array(z.strictObject({
    address,
    standard: z.enum(['erc20', 'erc721', 'erc1155']),
  })).default([]),
  /** How often transfers are indexed. */
  every: duration.default(60_000),
}).superRefine((c, ctx) => {
  if (!c.dex && c.tokens.length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'indexes nothing: add "dex" (pools) and/or "tokens" (transfers)' });
  if (c.dex && !c.dex.factory && c.dex.pools.length === 0) ctx.addIssue({ code: 'custom', path: ['dex'], message: 'needs a "factory" or a list of "pools"' });
  if (c.logRange.initial > c.logRange.max) ctx.addIssue({ code: 'custom', path: ['logRange', 'initial'], message: 'must not exceed logRange.max' });
});

export type EvmConfig = z.output<typeof evmConfigSchema>;
