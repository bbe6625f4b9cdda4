// Alert rules: one validated shape for the API and the config file, and their storage.
import { z } from 'zod';
import { duration } from '../config/units.js';
import type { Pool } from '../db/pool.js';
import { seriesSchema, stableJson, type SeriesSpec } from './series.js';

export const channelSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('email'), to: z.string().regex(/^[^\s@]+@[^\s@]+$/, 'is not an e-mail address') }),
  /** JSON body signed with the endpoint's secret (X-Wick-Signature). */
  z.strictObject({ type: z.literal('webhook'), url: z.url(), secret: z.string().min(8, 'use at least 8 characters') }),
  z.strictObject({ type: z.literal('slack'), url: z.url() }),
  z.strictObject({ type: z.literal('discord'), url: z.url() }),
  /** url: https://api.telegram.org/bot<token>/sendMessage (or a compatible endpoint). */
  z.strictObject({ type: z.literal('telegram'), url: z.url(), chatId: z.union([z.string(), z.number()]).transform(String) }),
]);
export type Channel = z.output<typeof channelSchema>;

export const conditionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('threshold'), op: z.enum(['above', 'below']), value: z.number() }),
  /** Percent change between the value `window` ago and now. */
  z.strictObject({ kind: z.literal('change'), percent: z.number().positive(), window: duration, direction: z.enum(['up', 'down', 'any']).default('any') }),
  /** Value over its average across the preceding `window` (e.g. volume > 3 × its 1-hour average). */
  z.strictObject({ kind: z.literal('ratio_ma'), factor: z.number().positive(), window: duration }),
  /** Rank enters (rank ≤ n) or leaves (rank > n) the top n; the series must be a rank. */
  z.strictObject({ kind: z.literal('rank'), n: z.number().int().positive(), direction: z.enum(['enters', 'leaves']) }),
  /** No new data for `after`. */
  z.strictObject({ kind: z.literal('stale'), after: duration }),
]);
export type Condition = z.output<typeof conditionSchema>;

export const ruleInputSchema = z.strictObject({
  name: z.string().min(1).max(200),
  series: seriesSchema,
  condition: conditionSchema,
  /** No second firing within this long after one. */
  cooldown: duration.optional(),
  /** Fraction (0–0.5) the value must move back past the line before the rule re-arms. */
  hysteresis: z.number().min(0).max(0.5).default(0),
  channels: z.array(channelSchema).max(50).default([]),
  enabled: z.boolean().default(true),
}).superRefine((r, ctx) => {
  if (r.condition.kind === 'rank' && r.series.kind !== 'market_rank') ctx.addIssue({ code: 'custom', path: ['series', 'kind'], message: 'a rank condition needs a market_rank series' });
  if (r.condition.kind !== 'rank' && r.condition.kind !== 'stale' && r.series.kind === 'market_rank' && r.condition.kind !== 'threshold') ctx.addIssue({ code: 'custom', path: ['condition', 'kind'], message: 'rank series take rank, threshold or stale conditions' });
});
export type RuleInput = z.output<typeof ruleInputSchema>;

export interface Rule {
  id: number;
  name: string;
  ownerId: number | null;
  configKey: string | null;
  series: SeriesSpec;
  condition: Condition;
  cooldownMs: number;
  hysteresis: number;
  channels: Channel[];
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

interface RuleRow { id: number; name: string; owner_id: number | null; config_key: string | null; kind: string; series: SeriesSpec; params: Condition; cooldown_ms: number; hysteresis: string; channels: Channel[]; enabled: boolean; created_at: Date; updated_at: Date }

export const toRule = (r: RuleRow): Rule => ({
  id: Number(r.id), name: r.name, ownerId: r.owner_id === null ? null : Number(r.owner_id), configKey: r.config_key,
  series: r.series, condition: r.params, cooldownMs: Number(r.cooldown_ms), hysteresis: Number(r.hysteresis),
  channels: r.channels, enabled: r.enabled, createdAt: r.created_at.getTime(), updatedAt: r.updated_at.getTime(),
});

const COLS = `id, name, owner_id, config_key, kind, series, params, cooldown_ms, hysteresis, channels, enabled, created_at, updated_at`;

export async function createRule(pool: Pool, input: RuleInput, ownerId: number | null, configKey: string | null = null): Promise<Rule> {
  const r = await pool.query<RuleRow>(
    `INSERT INTO alert_rules (name, owner_id, config_key, kind, series, params, cooldown_ms, hysteresis, channels, enabled)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLS}`,
    [input.name, ownerId, configKey, input.condition.kind, JSON.stringify(input.series), JSON.stringify(input.condition), input.cooldown ?? 0, input.hysteresis, JSON.stringify(input.channels), input.enabled],
  );
  return toRule(r.rows[0]);
}

export async function updateRule(pool: Pool, id: number, input: RuleInput): Promise<Rule | null> {
  const r = await pool.query<RuleRow>(
    `UPDATE alert_rules SET name = $2, kind = $3, series = $4, params = $5, cooldown_ms = $6, hysteresis = $7, channels = $8, enabled = $9, updated_at = now()
     WHERE id = $1 RETURNING ${COLS}`,
    [id, input.name, input.condition.kind, JSON.stringify(input.series), JSON.stringify(input.condition), input.cooldown ?? 0, input.hysteresis, JSON.stringify(input.channels), input.enabled],
  );
  // A changed rule starts afresh: its old state described another condition.
  await pool.query(`DELETE FROM alert_state WHERE rule_id = $1`, [id]);
  return r.rows[0] ? toRule(r.rows[0]) : null;
}

export async function getRule(pool: Pool, id: number): Promise<Rule | null> {
  const r = await pool.query<RuleRow>(`SELECT ${COLS} FROM alert_rules WHERE id = $1`, [id]);
  return r.rows[0] ? toRule(r.rows[0]) : null;
}

export async function listRules(pool: Pool, o: { userId?: number; enabledOnly?: boolean } = {}): Promise<Rule[]> {
  const r = await pool.query<RuleRow>(
    `SELECT ${COLS} FROM alert_rules
     WHERE ($1::bigint IS NULL OR owner_id = $1 OR id IN (SELECT rule_id FROM alert_subscriptions WHERE user_id = $1))
       AND (NOT $2 OR enabled) ORDER BY id`,
    [o.userId ?? null, o.enabledOnly ?? false],
  );
  return r.rows.map(toRule);
}

export async function deleteRule(pool: Pool, id: number): Promise<boolean> {
  return ((await pool.query(`DELETE FROM alert_rules WHERE id = $1`, [id])).rowCount ?? 0) > 0;
}

/**
 * Makes the stored config-file rules match the config: rules are keyed by name; ones no
 * longer in the file are removed, changed ones updated (their state reset).
 */
export async function syncConfigRules(pool: Pool, rules: RuleInput[]): Promise<void> {
  const existing = new Map((await pool.query<RuleRow>(`SELECT ${COLS} FROM alert_rules WHERE config_key IS NOT NULL`)).rows.map((r) => [r.config_key!, toRule(r)]));
  for (const input of rules) {
    const key = `config:${input.name}`;
    const cur = existing.get(key);
    existing.delete(key);
    if (!cur) await createRule(pool, input, null, key);
    else if (stableJson([cur.series, cur.condition, cur.cooldownMs, cur.hysteresis, cur.channels, cur.enabled]) !== stableJson([input.series, input.condition, input.cooldown ?? 0, input.hysteresis, input.channels, input.enabled])) await updateRule(pool, cur.id, input);
  }
  for (const stale of existing.values()) await deleteRule(pool, stale.id);
}
