// The `jobs:` section (declared jobs over source tasks) and `scheduler:` (worker tuning).
import { z } from 'zod';
import { duration } from '../config/units.js';
import { sourceId } from '../sources/common-config.js';
import { parseSchedule, validTimeZone } from './schedule.js';

export const jobConfigSchema = z.strictObject({
  /** Job name, e.g. "nftport-owners" (used by `wick jobs run <name>` and the API). */
  name: z.string().regex(/^[a-z0-9][a-z0-9_.:-]{0,59}$/, 'use lower-case letters, digits, ".", ":", "-" or "_" (at most 60 characters)'),
  /** Id of the source whose task this job runs. */
  source: sourceId,
  /** Which of the source's tasks (trades, candles, tickers, orderbook, metrics); needed when the source has several. */
  task: z.enum(['trades', 'candles', 'tickers', 'orderbook', 'metrics']).optional(),
  /** Only these markets (ccxt symbols such as "BTC/USDT" or market ids). */
  markets: z.array(z.string().min(1)).min(1).optional(),
  /** Only these items of an http source (contracts, wallets, pairs: the item's key). */
  items: z.array(z.string().min(1)).min(1).optional(),
  /** "every 1m", "every 30s", or a cron expression such as "0 3 * * *". */
  schedule: z.string().min(1),
  /** Time zone of a cron schedule (IANA name, e.g. Europe/Berlin). */
  tz: z.string().default('UTC').refine(validTimeZone, { message: 'unknown time zone (use an IANA name such as "UTC" or "Europe/Berlin")' }),
  /** Higher runs first; under budget degradation the lowest priorities are deferred first. */
  priority: z.number().int().min(-100).max(100).default(0),
  /** Longest a run may take; it is stopped then (and retried). */
  timeout: duration.default(3_600_000),
  retry: z.strictObject({
    limit: z.number().int().min(0).max(100).default(3),
    delay: duration.default(5000),
    backoff: z.boolean().default(true),
  }).default({ limit: 3, delay: 5000, backoff: true }),
}).superRefine((j, ctx) => {
  const s = parseSchedule(j.schedule, j.tz);
  if (typeof s === 'string') ctx.addIssue({ code: 'custom', path: ['schedule'], message: s });
});
export type JobConfig = z.output<typeof jobConfigSchema>;

export const jobsSchema = z.array(jobConfigSchema).default([]);

export const schedulerSchema = z.strictObject({
  /** How often an idle worker asks for work. */
  pollInterval: duration.default(2000),
  /** How long stopping waits for running jobs before giving up on them. */
  stopTimeout: duration.default(30_000),
}).default({ pollInterval: 2000, stopTimeout: 30_000 });

/** Cross-section checks: job names unique, sources exist. */
export function checkJobs(jobs: JobConfig[], sourceIds: string[], addIssue: (path: (string | number)[], message: string) => void): void {
  const seen = new Set<string>();
  jobs.forEach((j, i) => {
    if (seen.has(j.name)) addIssue(['jobs', i, 'name'], `duplicate job name "${j.name}"`);
    seen.add(j.name);
    if (!sourceIds.includes(j.source)) addIssue(['jobs', i, 'source'], `unknown source "${j.source}"${sourceIds.length ? ` (configured: ${sourceIds.join(', ')})` : ''}`);
  });
}
