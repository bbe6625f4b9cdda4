// Rule evaluation, run as a job after data is written (never on the ingest path). Rules
// over the same series share one fetch. Bucketed series are evaluated at every bucket
// that closed since the rule's cursor, so a paused or lagging evaluator catches up and
// fires at the same buckets it would have live. Firings are stored with the values that
// fired them, their deliveries queued, and announced on the bus ("alerts" channel).
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import { formatResolution } from '../domain/resolution.js';
import type { EventBus } from '../realtime/bus.js';
import { check, step, type Check } from './conditions.js';
import { listRules, type Rule } from './rules.js';
import { resolverFor, seriesKey, type Point, type SeriesSpec } from './series.js';

export interface Firing {
  ruleId: number;
  at: number;
  value: number | null;
  message: string;
  details: Record<string, unknown>;
}

interface StoredState { active: boolean; lastFiredAt: number | null; cursor: number | null; lastValue: number | null }

export interface EvaluateOptions {
  /** Evaluation time (ms); default now. */
  now?: number;
  /** Only rules whose series may have changed (channels seen on the bus); default all. */
  channels?: Set<string> | null;
  /** Include stale rules (they depend on time passing, not on events). */
  includeStale?: boolean;
  /** Most buckets one rule catches up in one run. */
  maxCatchUp?: number;
  /** E-mail digest window: e-mails wait for the window's end and go out grouped per recipient; 0 = at once. */
  digestMs?: number;
}

export interface EvaluateResult { rules: number; series: number; fired: Firing[] }

/** How far back a rule's first look at a point series (tickers, metrics) searches for its newest point. */
const FIRST_LOOK_MS = 86_400_000;

/** Serialises evaluation across processes: only one evaluates at a time. */
const LOCK_KEY = 0x77_69_63_6b_06; // "wick" 06

export async function evaluateRules(pool: Pool, log: Logger, bus: EventBus | null, o: EvaluateOptions = {}): Promise<EvaluateResult> {
  const now = o.now ?? Date.now();
  const lock = await pool.connect();
  try {
    const got = (await lock.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock($1) AS ok`, [LOCK_KEY])).rows[0].ok;
    if (!got) return { rules: 0, series: 0, fired: [] };
    try {
      return await evaluateLocked(pool, log, bus, now, o);
    } finally {
      await lock.query(`SELECT pg_advisory_unlock($1)`, [LOCK_KEY]);
    }
  } finally {
    lock.release();
  }
}

function wanted(rule: Rule, o: EvaluateOptions, anyMarketData: boolean): boolean {
  if (rule.condition.kind === 'stale') return o.includeStale !== false;
  if (!o.channels) return true;
  return resolverFor(rule.series).channels(rule.series).some((c) => (c === '*trades' ? anyMarketData : o.channels!.has(c)));
}

function lookback(rule: Rule): number {
  const c = rule.condition;
  return c.kind === 'change' || c.kind === 'ratio_ma' ? c.window : 0;
}

async function evaluateLocked(pool: Pool, log: Logger, bus: EventBus | null, now: number, o: EvaluateOptions): Promise<EvaluateResult> {
  const anyMarketData = o.channels ? [...o.channels].some((x) => x.startsWith('trades:') || x.startsWith('candles:')) : true;
  const rules = (await listRules(pool, { enabledOnly: true })).filter((r) => wanted(r, o, anyMarketData));
  if (rules.length === 0) return { rules: 0, series: 0, fired: [] };
  const states = await loadStates(pool, rules.map((r) => r.id));
  const maxCatchUp = o.maxCatchUp ?? 1440;

  const groups = new Map<string, Rule[]>();
  for (const r of rules) {
    const k = r.condition.kind === 'stale' ? `stale:${seriesKey(r.series)}` : seriesKey(r.series);
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(r);
  }
  const fired: Firing[] = [];
  const touched = new Map<number, StoredState>();
  for (const group of groups.values()) {
    const spec = group[0].series;
    const resolver = resolverFor(spec);
    try {
      if (group[0].condition.kind === 'stale') {
        const last = await resolver.lastUpdate(pool, spec);
        for (const rule of group) {
          const st = states.get(rule.id) ?? fresh();
          const after = (rule.condition as { after: number }).after;
          const age = last === null ? null : now - last;
          const c = { hit: age === null || age > after, clear: age !== null && age <= after };
          if (step(st, c, now, rule.cooldownMs)) {
            fired.push({ ruleId: rule.id, at: now, value: age === null ? null : round(age / 60_000), message: `${rule.name}: ${describe(spec)} has had no new data ${age === null ? 'ever' : `for ${round(age / 60_000)} min`} (limit ${round(after / 60_000)} min)`, details: { lastData: last, ageMs: age, limitMs: after } });
          }
          st.cursor = now;
          touched.set(rule.id, st);
        }
        continue;
      }
      const stepMs = resolver.step(spec);
      const lastClosed = stepMs === null ? now : Math.floor(now / stepMs) * stepMs - stepMs;
      // Earliest instant any rule of the group still has to evaluate, then its lookback.
      let from = Infinity;
      for (const rule of group) {
        const cur = states.get(rule.id)?.cursor ?? null;
        // A point series new to a rule starts from its newest point of the last day.
        const start = stepMs === null ? (cur ?? now - FIRST_LOOK_MS) : Math.max(cur ?? lastClosed - stepMs, lastClosed - maxCatchUp * stepMs);
        from = Math.min(from, start - lookback(rule) - (stepMs ?? 0));
      }
      const points = await resolver.points(pool, spec, from, stepMs === null ? now : lastClosed);
      for (const rule of group) {
        const st = states.get(rule.id) ?? fresh();
        const firstEver = st.cursor === null;
        const startAfter = stepMs === null ? (st.cursor ?? -Infinity) : Math.max(st.cursor ?? lastClosed - stepMs, lastClosed - maxCatchUp * stepMs);
        // Point series: a rule new to the data looks at the newest point only.
        let instants = points.filter((p) => p.t > startAfter);
        if (stepMs === null && firstEver) instants = instants.slice(-1);
        for (const p of instants) {
          const c = check(rule.condition, p, points, rule.hysteresis, stepMs);
          st.cursor = p.t;
          st.lastValue = p.v;
          if (!c) continue;
          // "Enters/leaves top N" is about a change: the first look only records where it stands.
          if (firstEver && rule.condition.kind === 'rank') {
            st.active = c.hit;
            continue;
          }
          if (step(st, c, p.t, rule.cooldownMs)) fired.push(firing(rule, p, c, stepMs));
        }
        touched.set(rule.id, st);
      }
    } catch (e) {
      log.error({ err: (e as Error).message, series: spec }, 'evaluating rules over a series failed');
    }
  }
  await saveStates(pool, touched);
  const stored = await storeFirings(pool, fired, o.digestMs ?? 0);
  if (bus && stored.length) {
    await bus.publish(stored.map((f) => ({ channel: 'alerts', type: 'alert', data: f }))).catch((e) => log.warn({ err: (e as Error).message }, 'publishing alert events failed'));
  }
  return { rules: rules.length, series: groups.size, fired };
}

const fresh = (): StoredState => ({ active: false, lastFiredAt: null, cursor: null, lastValue: null });
const round = (x: number) => Math.round(x * 1e6) / 1e6;

function describe(s: SeriesSpec): string {
  switch (s.kind) {
    case 'market': return `${s.field} of ${s.market} (${formatResolution(s.resolution)})`;
    case 'ticker': return `ticker ${s.field} of ${s.market}`;
    case 'metric': return `${s.name}${Object.keys(s.labels).length ? JSON.stringify(s.labels) : ''}`;
    case 'market_rank': return `rank of ${s.market} by ${s.by.replace('_', ' ')}`;
  }
}

function firing(rule: Rule, p: Point, c: Check, stepMs: number | null): Firing {
  const cond = rule.condition;
  const what = describe(rule.series);
  let text: string;
  switch (cond.kind) {
    case 'threshold': text = `${what} is ${round(c.value)}, ${cond.op} ${cond.value}`; break;
    case 'change': text = `${what} changed ${round(c.figure!)}% (from ${round(c.reference!)} to ${round(c.value)}) within ${cond.window / 60_000} min`; break;
    case 'ratio_ma': text = `${what} is ${round(c.value)}, ${round(c.figure!)}× its ${cond.window / 60_000}-min average ${round(c.reference!)} (limit ${cond.factor}×)`; break;
    case 'rank': text = `${what} is ${c.value}: ${cond.direction === 'enters' ? 'entered' : 'left'} the top ${cond.n}`; break;
    default: text = what;
  }
  return {
    ruleId: rule.id, at: p.t, value: c.value, message: `${rule.name}: ${text}`,
    details: { condition: cond, series: rule.series, value: c.value, reference: c.reference, ...(c.figure !== undefined ? { figure: c.figure } : {}), ...(stepMs !== null ? { bucketStart: p.t, bucketEnd: p.t + stepMs } : {}) },
  };
}

async function loadStates(pool: Pool, ids: number[]): Promise<Map<number, StoredState>> {
  const r = await pool.query<{ rule_id: number; active: boolean; last_fired_at: Date | null; cursor_ts: Date | null; last_value: string | null }>(
    `SELECT rule_id, active, last_fired_at, cursor_ts, last_value FROM alert_state WHERE rule_id = ANY($1::bigint[])`, [ids]);
  return new Map(r.rows.map((x) => [Number(x.rule_id), { active: x.active, lastFiredAt: x.last_fired_at?.getTime() ?? null, cursor: x.cursor_ts?.getTime() ?? null, lastValue: x.last_value === null ? null : Number(x.last_value) }]));
}

async function saveStates(pool: Pool, states: Map<number, StoredState>): Promise<void> {
  if (states.size === 0) return;
  const ids = [...states.keys()];
  const s = ids.map((id) => states.get(id)!);
  await pool.query(
    `INSERT INTO alert_state (rule_id, active, last_fired_at, cursor_ts, last_value, updated_at)
     SELECT id, a, to_timestamp(f / 1000.0), to_timestamp(c / 1000.0), v, now()
     FROM unnest($1::bigint[], $2::bool[], $3::int8[], $4::int8[], $5::float8[]) AS t(id, a, f, c, v)
     WHERE EXISTS (SELECT 1 FROM alert_rules r WHERE r.id = t.id)
     ON CONFLICT (rule_id) DO UPDATE SET active = excluded.active, last_fired_at = excluded.last_fired_at,
       cursor_ts = excluded.cursor_ts, last_value = excluded.last_value, updated_at = now()`,
    [ids, s.map((x) => x.active), s.map((x) => x.lastFiredAt), s.map((x) => x.cursor), s.map((x) => (x.lastValue !== null && Number.isFinite(x.lastValue) ? x.lastValue : null))],
  );
}

export interface StoredFiring extends Firing {
  id: number;
  ruleName: string;
  /** Who may see the firing on the alerts stream: the owner, subscribers, everyone when shared. */
  ownerId: number | null;
  shared: boolean;
}

/**
 * Stores firings and queues one delivery per target (the rule's channels plus subscribers'
 * verified addresses, minus unsubscribed ones) in one statement, whatever their number.
 */
async function storeFirings(pool: Pool, fired: Firing[], digestMs: number): Promise<StoredFiring[]> {
  if (fired.length === 0) return [];
  const r = await pool.query<{ id: number; rule_id: number; at: number; name: string; owner_id: number | null; shared: boolean }>(
    `WITH input AS (
       SELECT * FROM unnest($1::bigint[], $2::int8[], $3::float8[], $4::text[], $5::jsonb[]) AS t(rule_id, at, value, message, details)
     ), ins AS (
       INSERT INTO alert_events (rule_id, at, value, message, details)
       SELECT rule_id, to_timestamp(at / 1000.0), value, message, details FROM input
       RETURNING id, rule_id, at
     ), targets AS (
       SELECT ins.id AS event_id, ins.rule_id, ch->>'type' AS channel, coalesce(ch->>'to', ch->>'url') AS target, ch - 'type' - 'to' - 'url' AS options
       FROM ins JOIN alert_rules r ON r.id = ins.rule_id CROSS JOIN LATERAL jsonb_array_elements(r.channels) AS ch
       UNION
       SELECT ins.id, ins.rule_id, 'email', u.email, '{}'::jsonb
       FROM ins JOIN alert_subscriptions s ON s.rule_id = ins.rule_id JOIN users u ON u.id = s.user_id
       WHERE u.email_verified_at IS NOT NULL
     ), queued AS (
       INSERT INTO alert_deliveries (event_id, channel, target, options, next_attempt_at)
       SELECT event_id, channel, target, options,
              -- With a digest window, e-mails wait for the window's end.
              CASE WHEN channel = 'email' AND $6::int8 > 0 THEN to_timestamp(ceil(extract(epoch FROM now()) * 1000 / $6) * $6 / 1000.0) ELSE now() END
       FROM targets t
       WHERE NOT (channel = 'email' AND EXISTS (SELECT 1 FROM alert_unsubscribes x WHERE x.rule_id = t.rule_id AND lower(x.email) = lower(t.target)))
       RETURNING 1
     )
     SELECT ins.id, ins.rule_id, (extract(epoch FROM ins.at) * 1000)::int8 AS at, r.name, r.owner_id,
            (r.owner_id IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.id = r.owner_id AND u.role = 'admin')) AS shared,
            (SELECT count(*) FROM queued) AS queued
     FROM ins JOIN alert_rules r ON r.id = ins.rule_id`,
    [
      fired.map((f) => f.ruleId), fired.map((f) => f.at),
      fired.map((f) => (f.value !== null && Number.isFinite(f.value) ? f.value : null)),
      fired.map((f) => f.message), fired.map((f) => JSON.stringify(f.details)), digestMs,
    ],
  );
  // A rule fires at most once per instant: (rule, time) identifies the stored row.
  const byKey = new Map(r.rows.map((x) => [`${x.rule_id}:${x.at}`, x]));
  return fired.map((f) => {
    const row = byKey.get(`${f.ruleId}:${f.at}`)!;
    return { ...f, id: Number(row.id), ruleName: row.name, ownerId: row.owner_id === null ? null : Number(row.owner_id), shared: row.shared };
  });
}
