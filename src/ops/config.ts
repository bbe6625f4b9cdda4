// The `ops` configuration section: HTTP hardening, readiness thresholds, error reporting.
import { z } from 'zod';
import { duration } from '../config/units.js';

const corsSchema = z.strictObject({
  /** Allowed origins: [] = no CORS headers (same-origin only), ["*"] = any, or a list of exact origins. */
  origins: z.array(z.string().min(1)).default([]),
  credentials: z.boolean().default(false),
  maxAge: z.number().int().min(0).default(600),
});

export const opsConfigSchema = z.strictObject({
  /** Port of a separate /metrics + /healthz listener in `wick worker` (which runs no API); off when absent. WICK_METRICS_PORT overrides. */
  workerMetricsPort: z.number().int().min(0).max(65535).optional(),
  cors: corsSchema.default(corsSchema.parse({})),
  /** Largest request body accepted, bytes. */
  bodyLimit: z.number().int().min(1024).max(100 * 1_048_576).default(1_048_576),
  /** Largest total size of request headers, bytes. */
  maxHeaderSize: z.number().int().min(1024).max(65_536).default(16_384),
  /** Longest any request may take before the server answers 503, ms (0: no limit). */
  requestTimeoutMs: z.number().int().min(0).default(30_000),
  readiness: z.strictObject({
    /** /readyz fails when the newest trade of any active market is older than this (e.g. "10m"); off when absent. */
    maxDataLag: duration.optional(),
    /** Only these markets (venue:BASE-QUOTE) count for maxDataLag; all active markets with trades when empty. */
    markets: z.array(z.string()).default([]),
  }).default({ markets: [] }),
  sentry: z.strictObject({
    /** Sentry DSN; SENTRY_DSN in the environment wins. Errors are reported only when one is set. */
    dsn: z.string().min(1).optional(),
    /** Defaults to SENTRY_ENVIRONMENT or NODE_ENV or "production". */
    environment: z.string().min(1).optional(),
    /** Share of requests traced (0 = errors only). */
    tracesSampleRate: z.number().min(0).max(1).default(0),
  }).default({ tracesSampleRate: 0 }),
});

export type OpsConfig = z.output<typeof opsConfigSchema>;
