// /v1/alerts: rules (CRUD, subscriptions), the history of firings, deliveries and the
// dead-letter queue, and the unsubscribe link used in alert e-mails.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { z } from 'zod';
import { requireUser } from '../../../auth/request.js';
import { signingKey, verifyToken, type TokenPayload } from '../../../auth/tokens.js';
import type { User } from '../../../auth/users.js';
import { redactTarget } from '../../../alerts/delivery.js';
import { createRule, deleteRule, getRule, listRules, ruleInputSchema, updateRule, type Rule } from '../../../alerts/rules.js';
import { badRequest, HttpError, notFound } from '../../errors.js';
import { timeRange } from '../../params.js';
import type { ApiContext } from '../../app.js';
import { errors, Limit, Nullable, TimeParam } from '../../schemas.js';

const Loose = Type.Record(Type.String(), Type.Unknown());
const RuleSchema = Type.Object({
  id: Type.Integer(), name: Type.String(), ownerId: Nullable(Type.Integer()), fromConfig: Type.Boolean(),
  series: Loose, condition: Loose, cooldownMs: Type.Integer(), hysteresis: Type.Number(),
  channels: Type.Array(Loose), enabled: Type.Boolean(), subscribed: Type.Boolean(), createdAt: Type.Integer(), updatedAt: Type.Integer(),
});
const EventSchema = Type.Object({ id: Type.Integer(), ruleId: Type.Integer(), rule: Type.String(), at: Type.Integer(), firedAt: Type.Integer(), value: Nullable(Type.Number()), message: Type.String(), details: Loose });
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** Secrets never leave the API: webhook secrets are masked. */
const publicRule = (r: Rule, subscribed: boolean) => ({
  id: r.id, name: r.name, ownerId: r.ownerId, fromConfig: r.configKey !== null, series: r.series, condition: r.condition,
  cooldownMs: r.cooldownMs, hysteresis: r.hysteresis, enabled: r.enabled, subscribed, createdAt: r.createdAt, updatedAt: r.updatedAt,
  channels: r.channels.map((c) => ('secret' in c ? { ...c, secret: '********' } : c)),
});

function parseRule(body: unknown) {
  const r = ruleInputSchema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0] as z.core.$ZodIssue;
    const field = i.path.join('.') || 'body';
    throw badRequest(field, i.message);
  }
  return r.data;
}

export const alertRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const { pool } = ctx;
  const maxLimit = ctx.config.server.maxLimit;

  /** Config rules and admins' rules are shared: anyone signed in may see and subscribe to them. */
  async function visible(user: User, rule: Rule): Promise<boolean> {
    if (user.role === 'admin' || rule.ownerId === user.id || rule.ownerId === null) return true;
    const r = await pool.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'admin' UNION ALL SELECT 1 FROM alert_subscriptions WHERE rule_id = $2 AND user_id = $3`, [rule.ownerId, rule.id, user.id]);
    return r.rows.length > 0;
  }
  async function loadVisible(user: User, id: number): Promise<Rule> {
    const rule = await getRule(pool, id);
    if (!rule || !(await visible(user, rule))) throw notFound(`no alert rule ${id}`);
    return rule;
  }
  function mayEdit(user: User, rule: Rule): void {
    if (rule.configKey !== null) throw new HttpError(409, `rule ${rule.id} comes from the config file (alerts.rules); change it there`);
    if (user.role !== 'admin' && rule.ownerId !== user.id) throw new HttpError(403, `rule ${rule.id} belongs to another user`);
  }
  const subscriptions = async (user: User) => new Set((await pool.query<{ rule_id: number }>(`SELECT rule_id FROM alert_subscriptions WHERE user_id = $1`, [user.id])).rows.map((r) => Number(r.rule_id)));

  app.get('/alerts/rules', {
    schema: {
      summary: 'Alert rules you own or subscribe to (admins: all; with shared=true also shared rules)', tags: ['alerts'],
      querystring: Type.Object({ shared: Type.Boolean({ default: false, description: 'include config-file and admins\' rules you can subscribe to' }) }),
      response: { 200: Type.Object({ rules: Type.Array(RuleSchema) }), ...errors(401) },
    },
  }, async (req) => {
    const user = await requireUser(pool, req);
    const subs = await subscriptions(user);
    let rules = await listRules(pool, { userId: user.role === 'admin' ? undefined : user.id });
    if (req.query.shared && user.role !== 'admin') {
      const shared = await pool.query<{ id: number }>(`SELECT r.id FROM alert_rules r LEFT JOIN users u ON u.id = r.owner_id WHERE r.owner_id IS NULL OR u.role = 'admin'`);
      const have = new Set(rules.map((r) => r.id));
      const extra = await Promise.all(shared.rows.filter((r) => !have.has(Number(r.id))).map((r) => getRule(pool, Number(r.id))));
      rules = [...rules, ...extra.filter((r): r is Rule => r !== null)].sort((a, b) => a.id - b.id);
    }
    return { rules: rules.map((r) => publicRule(r, subs.has(r.id))) };
  });

  app.post('/alerts/rules', {
    schema: {
      summary: 'Create an alert rule', tags: ['alerts'],
      description: 'Body: `{name, series, condition, cooldown?, hysteresis?, channels?, enabled?}` — see the README\'s Alerts section for series kinds (market, ticker, metric, market_rank) and conditions (threshold, change, ratio_ma, rank, stale).',
      body: Type.Unknown(),
      response: { 201: RuleSchema, ...errors(400, 401) },
    },
  }, async (req, reply) => {
    const user = await requireUser(pool, req);
    const rule = await createRule(pool, parseRule(req.body), user.id);
    return reply.status(201).send(publicRule(rule, false));
  });

  app.get('/alerts/rules/:id', {
    schema: { summary: 'One alert rule', tags: ['alerts'], params: IdParams, response: { 200: RuleSchema, ...errors(401, 404) } },
  }, async (req) => {
    const user = await requireUser(pool, req);
    const rule = await loadVisible(user, req.params.id);
    return publicRule(rule, (await subscriptions(user)).has(rule.id));
  });

  app.put('/alerts/rules/:id', {
    schema: { summary: 'Replace an alert rule (its evaluation state starts afresh)', tags: ['alerts'], params: IdParams, body: Type.Unknown(), response: { 200: RuleSchema, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => {
    const user = await requireUser(pool, req);
    const rule = await loadVisible(user, req.params.id);
    mayEdit(user, rule);
    const input = parseRule(req.body);
    // Keep stored webhook secrets when the client sends back the mask.
    input.channels = input.channels.map((c, i) => (c.type === 'webhook' && c.secret === '********' ? { ...c, secret: (rule.channels[i] as { secret?: string } | undefined)?.secret ?? c.secret } : c));
    return publicRule((await updateRule(pool, rule.id, input))!, (await subscriptions(user)).has(rule.id));
  });

  app.delete('/alerts/rules/:id', {
    schema: { summary: 'Delete an alert rule with its history', tags: ['alerts'], params: IdParams, response: { 204: Type.Null(), ...errors(401, 403, 404, 409) } },
  }, async (req, reply) => {
    const user = await requireUser(pool, req);
    const rule = await loadVisible(user, req.params.id);
    mayEdit(user, rule);
    await deleteRule(pool, rule.id);
    return reply.status(204).send(null);
  });

  app.post('/alerts/rules/:id/subscription', {
    schema: { summary: 'Subscribe to a rule: its firings are e-mailed to your (verified) address', tags: ['alerts'], params: IdParams, response: { 200: Type.Object({ subscribed: Type.Boolean() }), ...errors(401, 404) } },
  }, async (req) => {
    const user = await requireUser(pool, req);
    const rule = await loadVisible(user, req.params.id);
    await pool.query(`INSERT INTO alert_subscriptions (rule_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [rule.id, user.id]);
    await pool.query(`DELETE FROM alert_unsubscribes WHERE rule_id = $1 AND lower(email) = lower($2)`, [rule.id, user.email]);
    return { subscribed: true };
  });

  app.delete('/alerts/rules/:id/subscription', {
    schema: { summary: 'Unsubscribe from a rule', tags: ['alerts'], params: IdParams, response: { 200: Type.Object({ subscribed: Type.Boolean() }), ...errors(401, 404) } },
  }, async (req) => {
    const user = await requireUser(pool, req);
    const rule = await loadVisible(user, req.params.id);
    await pool.query(`DELETE FROM alert_subscriptions WHERE rule_id = $1 AND user_id = $2`, [rule.id, user.id]);
    return { subscribed: false };
  });

  /** Rule ids the user may see: own, subscribed, shared; null = all (admin). */
  const visibleIds = async (user: User): Promise<number[] | null> => {
    if (user.role === 'admin') return null;
    const r = await pool.query<{ id: number }>(
      `SELECT r.id FROM alert_rules r LEFT JOIN users u ON u.id = r.owner_id
       WHERE r.owner_id = $1 OR r.owner_id IS NULL OR u.role = 'admin' OR r.id IN (SELECT rule_id FROM alert_subscriptions WHERE user_id = $1)`, [user.id]);
    return r.rows.map((x) => Number(x.id));
  };

  app.get('/alerts/events', {
    schema: {
      summary: 'Alert history: each firing with the values that triggered it, newest first', tags: ['alerts'],
      querystring: Type.Object({
        rule: Type.Optional(Type.Integer({ minimum: 1, description: 'only this rule' })),
        from: Type.Optional(TimeParam('Fired for data at or after')),
        to: Type.Optional(TimeParam('Fired for data before')),
        limit: Limit(100, maxLimit),
      }),
      response: { 200: Type.Object({ events: Type.Array(EventSchema) }), ...errors(400, 401) },
    },
  }, async (req) => {
    const user = await requireUser(pool, req);
    const { from, to } = timeRange(req.query.from, req.query.to);
    const ids = await visibleIds(user);
    const r = await pool.query<{ id: number; rule_id: number; name: string; at: Date; fired_at: Date; value: string | null; message: string; details: Record<string, unknown> }>(
      `SELECT e.id, e.rule_id, r.name, e.at, e.fired_at, e.value::text AS value, e.message, e.details FROM alert_events e JOIN alert_rules r ON r.id = e.rule_id
       WHERE ($1::bigint[] IS NULL OR e.rule_id = ANY($1)) AND ($2::bigint IS NULL OR e.rule_id = $2)
         AND ($3::int8 IS NULL OR e.at >= to_timestamp($3 / 1000.0)) AND ($4::int8 IS NULL OR e.at < to_timestamp($4 / 1000.0))
       ORDER BY e.at DESC, e.id DESC LIMIT $5`,
      [ids, req.query.rule ?? null, from ?? null, to ?? null, req.query.limit],
    );
    return { events: r.rows.map((e) => ({ id: Number(e.id), ruleId: Number(e.rule_id), rule: e.name, at: e.at.getTime(), firedAt: e.fired_at.getTime(), value: e.value === null ? null : Number(e.value), message: e.message, details: e.details })) };
  });

  const Delivery = Type.Object({ id: Type.Integer(), eventId: Type.Integer(), ruleId: Type.Integer(), channel: Type.String(), target: Type.String(), status: Type.String(), attempts: Type.Integer(), errors: Type.Array(Type.String()), nextAttemptAt: Nullable(Type.Integer()), sentAt: Nullable(Type.Integer()) });
  app.get('/alerts/deliveries', {
    schema: {
      summary: 'Deliveries of firings (e-mails, webhooks) with their attempts and errors', tags: ['alerts'],
      querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('dead')])), rule: Type.Optional(Type.Integer({ minimum: 1 })), limit: Limit(100, maxLimit) }),
      response: { 200: Type.Object({ deliveries: Type.Array(Delivery) }), ...errors(400, 401) },
    },
  }, async (req) => {
    const user = await requireUser(pool, req);
    const ids = await visibleIds(user);
    const r = await pool.query<{ id: number; event_id: number; rule_id: number; channel: string; target: string; status: string; attempts: number; errors: string[]; next_attempt_at: Date; sent_at: Date | null }>(
      `SELECT d.id, d.event_id, e.rule_id, d.channel, d.target, d.status, d.attempts, d.errors, d.next_attempt_at, d.sent_at
       FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id
       WHERE ($1::bigint[] IS NULL OR e.rule_id = ANY($1)) AND ($2::text IS NULL OR d.status = $2) AND ($3::bigint IS NULL OR e.rule_id = $3)
       ORDER BY d.id DESC LIMIT $4`,
      [ids, req.query.status ?? null, req.query.rule ?? null, req.query.limit],
    );
    return { deliveries: r.rows.map((d) => ({ id: Number(d.id), eventId: Number(d.event_id), ruleId: Number(d.rule_id), channel: d.channel, target: redactTarget(d.channel, d.target), status: d.status, attempts: d.attempts, errors: d.errors, nextAttemptAt: d.status === 'pending' ? d.next_attempt_at.getTime() : null, sentAt: d.sent_at?.getTime() ?? null })) };
  });

  const DeadLetter = Type.Object({ id: Type.Integer(), deliveryId: Type.Integer(), eventId: Type.Integer(), ruleId: Type.Integer(), channel: Type.String(), target: Type.String(), attempts: Type.Integer(), errors: Type.Array(Type.String()), createdAt: Type.Integer() });
  app.get('/alerts/dead-letters', {
    schema: {
      summary: 'Deliveries that failed every attempt (the dead-letter queue)', tags: ['alerts'],
      querystring: Type.Object({ limit: Limit(100, maxLimit) }),
      response: { 200: Type.Object({ deadLetters: Type.Array(DeadLetter) }), ...errors(401) },
    },
  }, async (req) => {
    const user = await requireUser(pool, req);
    const ids = await visibleIds(user);
    const r = await pool.query<{ id: number; delivery_id: number; event_id: number; rule_id: number; channel: string; target: string; attempts: number; errors: string[]; created_at: Date }>(
      `SELECT x.id, x.delivery_id, x.event_id, e.rule_id, x.channel, x.target, x.attempts, x.errors, x.created_at
       FROM alert_dead_letters x JOIN alert_events e ON e.id = x.event_id WHERE ($1::bigint[] IS NULL OR e.rule_id = ANY($1)) ORDER BY x.id DESC LIMIT $2`,
      [ids, req.query.limit],
    );
    return { deadLetters: r.rows.map((d) => ({ id: Number(d.id), deliveryId: Number(d.delivery_id), eventId: Number(d.event_id), ruleId: Number(d.rule_id), channel: d.channel, target: redactTarget(d.channel, d.target), attempts: d.attempts, errors: d.errors, createdAt: d.created_at.getTime() })) };
  });

  app.post('/alerts/dead-letters/:id/retry', {
    schema: { summary: 'Queue a dead-lettered delivery again (fresh attempts)', tags: ['alerts'], params: IdParams, response: { 200: Type.Object({ deliveryId: Type.Integer(), status: Type.String() }), ...errors(401, 404) } },
  }, async (req) => {
    const user = await requireUser(pool, req);
    const ids = await visibleIds(user);
    const r = await pool.query<{ delivery_id: number }>(
      `WITH x AS (DELETE FROM alert_dead_letters x USING alert_events e WHERE x.id = $1 AND e.id = x.event_id AND ($2::bigint[] IS NULL OR e.rule_id = ANY($2)) RETURNING x.delivery_id)
       UPDATE alert_deliveries d SET status = 'pending', attempts = 0, next_attempt_at = now() FROM x WHERE d.id = x.delivery_id RETURNING d.id AS delivery_id`,
      [req.params.id, ids],
    );
    if (!r.rows[0]) throw notFound(`no dead letter ${req.params.id}`);
    return { deliveryId: Number(r.rows[0].delivery_id), status: 'pending' };
  });

  app.get('/alerts/unsubscribe', {
    schema: {
      summary: 'Stop e-mails of one rule to one address (the link in every alert e-mail)', tags: ['alerts'],
      querystring: Type.Object({ token: Type.String({ minLength: 1 }) }),
      response: { 200: Type.Object({ unsubscribed: Type.Boolean(), rule: Type.Integer(), email: Type.String() }), ...errors(400) },
    },
  }, async (req) => {
    const p = verifyToken<TokenPayload & { rule: number; email: string }>(await signingKey(pool, ctx.config.users.secret), req.query.token, 'unsubscribe');
    if ('error' in p) throw badRequest('token', String(p.error));
    await pool.query(`INSERT INTO alert_unsubscribes (rule_id, email) SELECT id, $2 FROM alert_rules WHERE id = $1 ON CONFLICT DO NOTHING`, [p.rule, p.email]);
    await pool.query(`DELETE FROM alert_subscriptions s USING users u WHERE s.rule_id = $1 AND u.id = s.user_id AND lower(u.email) = lower($2)`, [p.rule, p.email]);
    return { unsubscribed: true, rule: p.rule, email: p.email };
  });
};
