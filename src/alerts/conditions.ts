// The pure part of evaluation: does a condition hold at one instant, has it cleared (by
// the hysteresis margin), and the rule's edge-triggered state machine with cooldown.
import type { Point } from './series.js';
import type { Condition } from './rules.js';

export interface Check {
  /** The condition holds. */
  hit: boolean;
  /** The value moved back past the line by the hysteresis margin: the rule re-arms. */
  clear: boolean;
  value: number;
  /** What the value was compared with (threshold, reference value, average, rank limit). */
  reference: number | null;
  /** The derived figure compared (percent change, ratio), when there is one. */
  figure?: number;
}

/** Points before `t` within `window` (t - window ≤ p.t < t). */
function windowBefore(points: Point[], t: number, window: number): Point[] {
  return points.filter((p) => p.t >= t - window && p.t < t);
}

/**
 * Checks `cond` at point `p` of `points` (the series around it). Returns null when it
 * cannot be judged yet (no reference value).
 */
export function check(cond: Condition, p: Point, points: Point[], h: number, step: number | null): Check | null {
  const v = p.v;
  switch (cond.kind) {
    case 'threshold': {
      const margin = Math.abs(cond.value) * h;
      return cond.op === 'above'
        ? { hit: v > cond.value, clear: v <= cond.value - margin, value: v, reference: cond.value }
        : { hit: v < cond.value, clear: v >= cond.value + margin, value: v, reference: cond.value };
    }
    case 'change': {
      // The value `window` ago: the last point (or bucket) at or before that time.
      const at = p.t - cond.window;
      const before = points.filter((x) => x.t <= at);
      const ref = before.length ? before[before.length - 1].v : null;
      if (ref === null || ref === 0) return null;
      const pct = ((v - ref) / Math.abs(ref)) * 100;
      const mag = cond.direction === 'up' ? pct : cond.direction === 'down' ? -pct : Math.abs(pct);
      return { hit: mag >= cond.percent, clear: mag < cond.percent * (1 - h), value: v, reference: ref, figure: pct };
    }
    case 'ratio_ma': {
      const w = windowBefore(points, p.t, cond.window);
      // A bucketed series needs its whole window (gaps are already filled with zeros).
      if (w.length === 0 || (step !== null && w.length < Math.floor(cond.window / step))) return null;
      const avg = w.reduce((a, x) => a + x.v, 0) / w.length;
      if (avg <= 0) return null;
      const ratio = v / avg;
      return { hit: ratio > cond.factor, clear: ratio <= cond.factor * (1 - h), value: v, reference: avg, figure: ratio };
    }
    case 'rank': {
      const inside = v <= cond.n;
      const margin = Math.max(0, Math.round(cond.n * h));
      return cond.direction === 'enters'
        ? { hit: inside, clear: v > cond.n + margin, value: v, reference: cond.n }
        : { hit: !inside, clear: v <= cond.n - margin, value: v, reference: cond.n };
    }
    case 'stale':
      throw new Error('stale rules are checked on data age, not on points');
  }
}

export interface RuleState {
  active: boolean;
  lastFiredAt: number | null;
}

/**
 * Advances the state machine by one instant; true when the rule fires. A rule fires when
 * its condition holds, it is not already active, and its cooldown since the last firing has
 * passed; it re-arms only once the value clears the line by the hysteresis margin.
 */
export function step(state: RuleState, c: Pick<Check, 'hit' | 'clear'>, t: number, cooldownMs: number): boolean {
  if (!c.hit) {
    if (state.active && c.clear) state.active = false;
    return false;
  }
  if (state.active) return false;
  if (state.lastFiredAt !== null && t < state.lastFiredAt + cooldownMs) return false;
  state.active = true;
  state.lastFiredAt = t;
  return true;
}
