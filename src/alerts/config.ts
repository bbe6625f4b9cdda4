import { z } from 'zod';
import { duration } from '../config/units.js';
import { ruleInputSchema } from './rules.js';

const deliverySchema = z.strictObject({
  /** Attempts before a delivery is dead-lettered. */
  maxAttempts: z.number().int().min(1).max(50).default(6),
  /** First retry delay; doubles per attempt up to maxBackoff. */
  backoff: duration.default(10_000),
  maxBackoff: duration.default(3_600_000),
  webhookTimeout: duration.default(10_000),
  /** How often due deliveries are sent. */
  every: duration.default(1000),
});

export const alertsConfigSchema = z.strictObject({
  /** How often rules whose data changed are evaluated (triggered by the event bus). */
  evaluateEvery: duration.default(1000),
  /** How often "stale" rules are checked. */
  staleEvery: duration.default(30_000),
  /** Most closed buckets one rule catches up on in one evaluation. */
  maxCatchUp: z.number().int().positive().max(100_000).default(1440),
  /** Group e-mails per recipient over this window (e.g. "15m"); absent: one e-mail per firing. */
  emailDigest: duration.optional(),
  delivery: deliverySchema.default(deliverySchema.parse({})),
  /** Rules from the config file (kept in sync by name; owned by no user, admins manage them). */
  rules: z.array(ruleInputSchema).default([]),
}).superRefine((a, ctx) => {
  const seen = new Set<string>();
  a.rules.forEach((r, i) => {
    if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name "${r.name}"` });
    seen.add(r.name);
  });
});
export type AlertsConfig = z.output<typeof alertsConfigSchema>;
export const alertsDefaults = alertsConfigSchema.parse({});
