import { z } from 'zod';
import { duration } from '../../config/units.js';
import { sourceId } from '../common-config.js';

/** Quote preference when no `quotes` list is configured: stablecoins, then the majors. */
export const DEFAULT_QUOTES = ['USDT', 'USDC', 'DAI', 'BUSD', 'TUSD', 'EURC', 'BTC', 'ETH', 'BNB', 'KMD', 'LTC', 'DOGE'];

export const komodoConfigSchema = z.strictObject({
  id: sourceId,
  type: z.literal('komodo'),
  /** Venue the swaps are stored under. */
  venue: z.string().regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, "-" or "_"').default('komodo'),
  /**
   * Folder where the nodes' SQLite databases land (e.g. by rsync), searched recursively:
   * one sub-folder or file per node. Relative to the config file.
   */
  path: z.string().min(1),
  /** File name endings that are swap databases. */
  extensions: z.array(z.string().min(1)).min(1).default(['.db', '.sqlite', '.sqlite3']),
  /**
   * How platform-suffixed coins ("USDC-PLG20", "USDC-ERC20") form markets: "merge" (default)
   * trades all variants of a ticker in one market USDC/KMD; "separate" keeps one market per
   * variant, with the full coin name as the asset code (USDC-PLG20/KMD).
   */
  variants: z.enum(['merge', 'separate']).default('merge'),
  /** Quote preference: of a pair's two tickers the one listed first here is the quote; unlisted pairs are ordered alphabetically. */
  quotes: z.array(z.string().min(1)).default(DEFAULT_QUOTES),
  /** How often the databases are re-read for new swaps (trades and swap counts). */
  every: duration.default(60_000),
  /** A file that cannot be read consistently (truncated, locked, being written) is re-tried this many times per pass, then skipped until the next pass. */
  retries: z.number().int().min(0).max(10).default(2),
  retryDelay: duration.default(500),
  /** Live order books from a Komodo DeFi node's RPC. */
  rpc: z.strictObject({
    /** The node's RPC URL, e.g. http://127.0.0.1:7783. */
    url: z.url(),
    /** Environment variable holding the node's RPC password ("userpass"); it never appears in the config. */
    userpassEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('KOMODO_USERPASS'),
    /** Provider whose budget the RPC calls count against; defaults to the source id. */
    provider: z.string().min(1).optional(),
    every: duration.default(60_000),
    timeout: duration.default(10_000),
    /** Price levels kept per side. */
    depth: z.number().int().positive().max(5000).default(100),
    /** Extra coin pairs to snapshot, as BASE/REL coin names (e.g. "KMD/LTC"), besides the markets that have swaps. */
    pairs: z.array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'use BASE/REL coin names, e.g. "KMD/LTC"')).default([]),
  }).optional(),
});

export type KomodoConfig = z.output<typeof komodoConfigSchema>;
