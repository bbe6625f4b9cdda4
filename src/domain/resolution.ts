// Candle resolutions: "1m", "15m", "4h", "1d", "1w" and any whole multiple of a minute.
// Buckets are aligned to the Unix epoch (UTC), except weeks, which start on Monday 00:00 UTC.

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86400, w: 604800 };
export const MAX_RESOLUTION_SECONDS = 366 * 86400;

/** Resolutions stored as rows; anything else is rolled up at query time from the largest divisor. */
export const STORED_RESOLUTIONS = [60, 300, 900, 3600, 14400, 86400] as const;

/** Origin of bucket alignment, epoch ms: Monday 1970-01-05 for weekly multiples, else the epoch. */
export function bucketOrigin(seconds: number): number {
  return seconds % UNIT_SECONDS.w === 0 ? 4 * 86400_000 : 0;
}

export function bucketStart(tsMs: number, seconds: number): number {
  const size = seconds * 1000;
  const origin = bucketOrigin(seconds);
  return Math.floor((tsMs - origin) / size) * size + origin;
}

/** Parses "5m" / "1h" / "1d" / "1w" into seconds; returns null when it is not a valid resolution. */
export function parseResolution(text: string): number | null {
  const m = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (n <= 0) return null;
  const seconds = n * UNIT_SECONDS[m[2]];
  return seconds <= MAX_RESOLUTION_SECONDS ? seconds : null;
}

export function formatResolution(seconds: number): string {
  for (const [unit, size] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** The largest stored resolution a requested one can be rolled up from with aligned buckets. */
export function rollupSource(seconds: number): number {
  let best: number = STORED_RESOLUTIONS[0];
  for (const r of STORED_RESOLUTIONS) if (seconds % r === 0 && bucketOrigin(seconds) % (r * 1000) === 0) best = r;
  return best;
}
