// Small value parsers shared by the config and the API: durations ("10s", "5m", "1h")
// and points in time (ISO-8601, epoch milliseconds, or "7d" meaning seven days ago).
import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]]);
}

/** A duration in milliseconds, written as "30s", "5m", "1h", "500ms" or a number of milliseconds. */
export const duration = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const ms = parseDuration(v);
  if (ms === null || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use e.g. "500ms", "30s", "5m", "1h", "1d")` });
    return z.NEVER;
  }
  return ms;
});

/** Parses an ISO-8601 date/time or epoch milliseconds; null when it is neither. */
export function parseTime(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && Number.isInteger(value) ? value : null;
  const s = value.trim();
  if (/^-?\d+$/.test(s)) {
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : null;
  }
  // Date.parse accepts too much (e.g. "1"); require an ISO-looking date first.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) return null;
  const withZone = /T|\s/.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? `${s}Z` : s;
  const t = Date.parse(withZone);
  return Number.isNaN(t) ? null : t;
}

/** A start time: ISO-8601, epoch ms, or a duration meaning "that long ago" ("30d"). Resolved when used. */
export const since = z.union([z.number().int(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'string') {
    const ago = parseDuration(v);
    if (ago !== null) return { agoMs: ago } as const;
  }
  const at = parseTime(v);
  if (at === null) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a time (use ISO-8601 like "2024-01-01T00:00:00Z", epoch milliseconds, or a duration ago like "7d")` });
    return z.NEVER;
  }
  return { at } as const;
});
export type Since = z.output<typeof since>;

export function resolveSince(s: Since, now = Date.now()): number {
  return s.at ?? now - s.agoMs!;
}
