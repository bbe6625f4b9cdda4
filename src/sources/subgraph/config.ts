import { z } from 'zod';
import { duration, since } from '../../config/units.js';
import { sourceId } from '../common-config.js';
import { DEFAULT_EVM_QUOTES } from '../evm/config.js';

const id = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address').transform((a) => a.toLowerCase());

export const subgraphConfigSchema = z.strictObject({
  id: sourceId,
  type: z.literal('subgraph'),
  /** GraphQL endpoint, e.g. https://gateway.thegraph.com/api/subgraphs/id/<id> (or any compatible indexer). */
  url: z.url(),
  /** Sent as "Authorization: Bearer <key>"; put it in the environment: apiKey: ${GRAPH_API_KEY}. */
  apiKey: z.string().min(1).optional(),
  /** The chain the subgraph indexes (e.g. "ethereum"): links pool tokens to assets by address, so /v1/tokens/{address}/chart finds them. */
  platform: z.string().regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, "-" or "_"').optional(),
  /** Which Uniswap subgraph schema the endpoint serves. */
  schema: z.enum(['uniswap-v2', 'uniswap-v3']),
  /** Venue the pools' swaps are stored under; defaults to the source id. */
  venue: z.string().regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, "-" or "_"').optional(),
  /** Provider whose budget the queries count against; defaults to the source id. */
  provider: z.string().min(1).optional(),
  /** Units one query costs at the provider. */
  cost: z.number().positive().default(1),
  timeout: duration.default(15_000),
  /** Rows per query (The Graph allows at most 1000). */
  pageSize: z.number().int().positive().max(1000).default(1000),
  /** Pools (v3) or pairs (v2) to track, by id. Without them, the `top` pools by liquidity. */
  pools: z.array(id).default([]),
  top: z.number().int().positive().max(1000).default(20),
  quotes: z.array(z.string().min(1)).default(DEFAULT_EVM_QUOTES),
  /** Swaps of the pools as trades. */
  swaps: z.strictObject({
    every: duration.default(60_000),
    /** Backfill from this time on first run (ISO-8601, epoch ms, or "7d" ago); default: one day ago. */
    since: since.optional(),
  }).optional(),
  /** Token prices in USD and ETH, and pool liquidity/volume, as metric series. */
  prices: z.strictObject({
    every: duration.default(300_000),
    /** Token ids to price; the tracked pools' tokens are always included. */
    tokens: z.array(id).default([]),
  }).optional(),
}).superRefine((c, ctx) => {
  if (!c.swaps && !c.prices) ctx.addIssue({ code: 'custom', path: [], message: 'fetches nothing: add "swaps" and/or "prices"' });
});

export type SubgraphConfig = z.output<typeof subgraphConfigSchema>;
