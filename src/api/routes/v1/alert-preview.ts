// POST /v1/alerts/preview: when a rule (not yet saved) would have fired over the last
// `hours` (default 24), replaying the evaluator's checks and state machine over the stored
// series. Nothing is stored and nothing is sent.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { z } from 'zod';
import { requireUser } from '../../../auth/request.js';
import { check, step, type RuleState } from '../../../alerts/conditions.js';
import { ruleInputSchema } from '../../../alerts/rules.js';
import { resolverFor } from '../../../alerts/series.js';
import { badRequest } from '../../errors.js';
import type { ApiContext } from '../../app.js';
import { errors, Nullable } from '../../schemas.js';

/** Most points returned for charting (the check itself uses every point). */
const MAX_POINTS = 2000;

export const alertPreviewRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/alerts/preview', {
    schema: {
      summary: 'Preview a rule: when it would have fired over the last hours (nothing is stored or sent)', tags: ['alerts'],
      description: 'Body: a rule as for POST /v1/alerts/rules. `stale` rules are judged on the data age now.',
      querystring: Type.Object({ hours: Type.Integer({ minimum: 1, maximum: 168, default: 24 }) }),
      body: Type.Unknown(),
      response: {
        200: Type.Object({
          from: Type.Integer(), to: Type.Integer(),
          points: Type.Array(Type.Array(Type.Number(), { description: '[time, value]' })),
          firings: Type.Array(Type.Object({ at: Type.Integer(), value: Type.Number(), reference: Nullable(Type.Number()), figure: Nullable(Type.Number()) })),
        }),
        ...errors(400, 401),
      },
    },
  }, async (req) => {
    await requireUser(ctx.pool, req);
    const parsed = ruleInputSchema.safeParse(req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0] as z.core.$ZodIssue;
      throw badRequest(i.path.join('.') || 'body', i.message);
    }
    const rule = parsed.data;
    const to = Date.now();
    const from = to - req.query.hours * 3_600_000;
    const resolver = resolverFor(rule.series);
    if (rule.condition.kind === 'stale') {
      const last = await resolver.lastUpdate(ctx.pool, rule.series);
      const age = last === null ? null : to - last;
      return { from, to, points: [], firings: age === null || age > rule.condition.after ? [{ at: to, value: age === null ? 0 : age / 60_000, reference: rule.condition.after / 60_000, figure: null }] : [] };
    }
    const stepMs = resolver.step(rule.series);
    const cond = rule.condition;
    const lookback = cond.kind === 'change' || cond.kind === 'ratio_ma' ? cond.window : 0;
    const lastClosed = stepMs === null ? to : Math.floor(to / stepMs) * stepMs - stepMs;
    const points = await resolver.points(ctx.pool, rule.series, from - lookback - (stepMs ?? 0), lastClosed);
    const state: RuleState = { active: false, lastFiredAt: null };
    const firings = [];
    const shown = points.filter((p) => p.t > from);
    for (const p of shown) {
      const c = check(cond, p, points, rule.hysteresis, stepMs);
      if (c && step(state, c, p.t, rule.cooldown ?? 0)) firings.push({ at: p.t, value: c.value, reference: c.reference, figure: c.figure ?? null });
    }
    const every = Math.max(1, Math.ceil(shown.length / MAX_POINTS));
    return { from, to, points: shown.filter((_, i) => i % every === 0 || i === shown.length - 1).map((p) => [p.t, p.v]), firings };
  });
};
