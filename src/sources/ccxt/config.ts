import { z } from 'zod';
import { duration, since } from '../../config/units.js';
import { sourceId } from '../common-config.js';

const symbol = z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'use the ccxt unified symbol BASE/QUOTE, e.g. "BTC/USDT"');

export const ccxtConfigSchema = z.strictObject({
  id: sourceId,
  type: z.literal('ccxt'),
  /** ccxt exchange id, e.g. "binance", "kraken", "coinbase". */
  exchange: z.string().min(1),
  /** Provider whose budget (the `providers:` section) these calls count against; defaults to the exchange id. */
  provider: z.string().min(1).optional(),
  /** Venue the data is stored under; defaults to the exchange id. */
  venue: z.string().regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, "-" or "_"').optional(),
  /** Markets to ingest (ccxt unified symbols). When omitted, all active spot markets, optionally filtered by `quotes`. */
  markets: z.array(symbol).min(1).optional(),
  /** Only markets quoted in these assets (e.g. [USDT, USD]). */
  quotes: z.array(z.string().min(1)).min(1).optional(),
  /** Send every request to this base URL instead of the exchange's (a mirror, a proxy, or a test server). */
  apiUrl: z.url().optional(),
  /** Passed to the ccxt exchange constructor, e.g. {options: {fetchMarkets: {types: [spot]}}} (public endpoints only; no keys). */
  exchangeConfig: z.record(z.string(), z.unknown()).default({}),
  /** HTTP timeout per request. */
  timeout: duration.default(10_000),
  /** Re-read the exchange's market list this often. */
  refreshMarkets: duration.default(3_600_000),
  trades: z.strictObject({
    every: duration.default(10_000),
    /** Backfill from this time on first run (ISO-8601, epoch ms, or "7d" ago); default: the latest page only. */
    since: since.optional(),
    /** Trades per request. */
    limit: z.number().int().positive().max(5000).default(1000),
  }).optional(),
  candles: z.strictObject({
    /** Exchange timeframe to fetch, e.g. "1m" or "1h". */
    timeframe: z.string().default('1m'),
    every: duration.default(60_000),
    since: since.optional(),
    limit: z.number().int().positive().max(5000).default(500),
  }).optional(),
  tickers: z.strictObject({
    every: duration.default(30_000),
  }).optional(),
  orderbook: z.strictObject({
    every: duration.default(60_000),
    /** Price levels per side. */
    depth: z.number().int().positive().max(5000).default(100),
  }).optional(),
}).superRefine((c, ctx) => {
  if (!c.trades && !c.candles && !c.tickers && !c.orderbook) {
    ctx.addIssue({ code: 'custom', path: [], message: 'fetches nothing: add at least one of "trades", "candles", "tickers" or "orderbook"' });
  }
  if (c.trades && c.candles) {
    // A market's candles come from one place: built from its trades, or the exchange's own.
    ctx.addIssue({ code: 'custom', path: ['candles'], message: 'cannot be combined with "trades": candles are built from the ingested trades; use a separate source for exchange candles of other markets' });
  }
});

export type CcxtConfig = z.output<typeof ccxtConfigSchema>;
