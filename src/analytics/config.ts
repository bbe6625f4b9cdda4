// The `analytics:` config section: how prices are aggregated and converted, how often the
// analytics jobs run, and how long each kind of data is kept.
import { z } from 'zod';
import { duration } from '../config/units.js';

const fxSchema = z.union([
  /** A static rate: USD per one unit of the currency, e.g. EUR: 1.08. */
  z.number().positive(),
  /** The latest value of a metric series (USD per unit). */
  z.strictObject({ metric: z.string().min(1), labels: z.record(z.string(), z.string()).default({}) }),
]);

const retentionSchema = z.strictObject({
  /** Raw trades older than this are deleted (their candles stay). */
  trades: duration.default(30 * 86_400_000),
  /** Ticker snapshots older than `coalesceAfter` become one OHLC row per `bucket`; dropped after `dropAfter`. */
  tickers: z.strictObject({ coalesceAfter: duration.default(86_400_000), bucket: duration.default(3_600_000), dropAfter: duration.default(90 * 86_400_000) }).default({ coalesceAfter: 86_400_000, bucket: 3_600_000, dropAfter: 90 * 86_400_000 }),
  /** Metric points older than `coalesceAfter` become one averaged point per `bucket`; dropped after `dropAfter`. */
  metrics: z.strictObject({ coalesceAfter: duration.default(86_400_000), bucket: duration.default(3_600_000), dropAfter: duration.default(365 * 86_400_000) }).default({ coalesceAfter: 86_400_000, bucket: 3_600_000, dropAfter: 365 * 86_400_000 }),
  /** Order-book snapshots older than this are deleted (liquidity history keeps their figures). */
  orderbooks: duration.default(2 * 86_400_000),
  /** Liquidity history: hourly rows older than a day are reduced to daily averages; dropped after this. */
  liquidity: duration.default(365 * 86_400_000),
  /** How often the retention job runs. */
  every: duration.default(3_600_000),
});

export const analyticsConfigSchema = z.strictObject({
  /** Whether the analytics jobs run in roles that run jobs. */
  enabled: z.boolean().default(true),
  /** How often prices and statistics are recomputed. */
  every: duration.default(60_000),
  /** Window of trades behind an aggregated price (volume-weighted). */
  priceWindow: duration.default(3_600_000),
  /** A venue whose latest trade is older than this is stale and excluded. */
  staleAfter: duration.default(6 * 3_600_000),
  /** Venues further than this fraction from the cross-venue median are excluded (0.05 = 5 %). */
  outlierBand: z.number().positive().max(1).default(0.05),
  /** Quote assets treated as 1 USD while their own price (when known) stays within `stablecoinBand`. */
  stablecoins: z.array(z.string().min(1)).default(['USDT', 'USDC', 'DAI', 'BUSD', 'TUSD', 'FDUSD', 'USDP', 'PYUSD', 'USDE']),
  stablecoinBand: z.number().positive().max(1).default(0.02),
  /** Currencies priced by a rate rather than by markets (fiat, or an asset with no USD route): USD per unit, static or from a metric series. USD is built in. */
  fx: z.record(z.string(), fxSchema).default({}),
  /** Window of the volatility figure (stddev of hourly log returns). */
  volatilityWindow: duration.default(86_400_000),
  /** How often order-book liquidity is sampled into the history. */
  liquidityEvery: duration.default(3_600_000),
  /** Depth band around mid price for liquidity figures (0.02 = ±2 %). */
  depthBand: z.number().positive().max(1).default(0.02),
  /** The venue the exchange-listing APIs (/integrations/…) serve by default; all venues when absent. */
  listingVenue: z.string().min(1).optional(),
  retention: retentionSchema.default(retentionSchema.parse({})),
});

export type AnalyticsConfig = z.output<typeof analyticsConfigSchema>;
