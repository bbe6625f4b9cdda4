// The `providers:` section: each upstream provider's budget (rate limits and quotas) and
// the `budgets:` policy for a configuration projected above a hard quota.
import { z } from 'zod';
import { duration } from '../config/units.js';

const positive = z.number().positive();

export const providerBudgetSchema = z.strictObject({
  /** Requests (or weighted units, e.g. compute units) allowed per window; any window of that length stays at or below it. */
  rate: z.strictObject({
    perSecond: positive.optional(),
    perMinute: positive.optional(),
  }).optional(),
  quota: z.strictObject({
    perDay: positive.optional(),
    perMonth: positive.optional(),
    /** Day of the month the monthly quota resets (UTC). */
    resetDay: z.number().int().min(1).max(28).default(1),
    /** hard: calls beyond the quota are refused and `wick start` refuses a plan above it; soft: only warned about. */
    hard: z.boolean().default(true),
  }).optional(),
  /** How often a rate-limited call (429/418) is retried after the provider's pause before the error is given up to the job. */
  retries: z.number().int().min(0).max(10).default(3),
  /** Longest a call waits for the limiter (rate window or a Retry-After pause) before failing so the job retries later. */
  maxWait: duration.default(30_000),
});
export type ProviderBudget = z.output<typeof providerBudgetSchema>;

export const providersSchema = z.record(z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'provider names use lower-case letters, digits, ".", "-" or "_"'), providerBudgetSchema).default({});
export type ProvidersConfig = z.output<typeof providersSchema>;

export const budgetsSchema = z.strictObject({
  /** refuse: `wick start`/`worker` exit (code 2) when the plan exceeds a hard quota; degrade: defer the lowest-priority jobs until it fits. */
  onOverrun: z.enum(['refuse', 'degrade']).default('refuse'),
}).default({ onOverrun: 'refuse' });
