// Schedules as users write them: "every 30s" / "every 1m" (an interval), or a 5-field cron
// expression with a time zone ("0 3 * * *", tz Europe/Berlin). Parsed with cron-parser,
// the same library pg-boss evaluates its cron schedules with.
import cronParser from 'cron-parser';
import { parseDuration } from '../config/units.js';
import type { JobSchedule } from './types.js';

/** Parses a schedule text; returns an error message instead when it is not one. */
export function parseSchedule(text: string, tz = 'UTC'): JobSchedule | string {
  const t = text.trim();
  const every = /^every\s+(.+)$/i.exec(t);
  if (every) {
    const ms = parseDuration(every[1]);
    if (ms === null || ms < 1000) return `"${text}": the interval must be a duration of at least 1s, e.g. "every 30s", "every 5m", "every 1h"`;
    return { every: ms };
  }
  if (t.split(/\s+/).length !== 5) return `"${text}" is neither "every <duration>" nor a 5-field cron expression (minute hour day-of-month month day-of-week, e.g. "0 3 * * *")`;
  try {
    cronParser.parseExpression(t, { tz });
  } catch (e) {
    return `"${text}" is not a valid cron expression: ${(e as Error).message}`;
  }
  return { cron: t, tz };
}

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Average runs per day: intervals exactly, cron schedules counted over a week (so weekly patterns average out). */
export function runsPerDay(s: JobSchedule, from = new Date(Date.UTC(2024, 0, 1))): number {
  if ('every' in s) return 86_400_000 / s.every;
  if ('continuous' in s) return 0;
  const end = new Date(from.getTime() + 7 * 86_400_000);
  const it = cronParser.parseExpression(s.cron, { tz: s.tz, currentDate: new Date(from.getTime() - 1), endDate: end });
  let n = 0;
  while (it.hasNext()) {
    it.next();
    n++;
  }
  return n / 7;
}

/** When a schedule next fires after `after` (for intervals: `after` + interval). */
export function nextRun(s: JobSchedule, after: Date): Date | null {
  if ('every' in s) return new Date(after.getTime() + s.every);
  if ('continuous' in s) return null;
  return cronParser.parseExpression(s.cron, { tz: s.tz, currentDate: after }).next().toDate();
}

export function describeSchedule(s: JobSchedule): string {
  if ('every' in s) {
    const e = s.every;
    return `every ${e % 86_400_000 === 0 ? `${e / 86_400_000}d` : e % 3_600_000 === 0 ? `${e / 3_600_000}h` : e % 60_000 === 0 ? `${e / 60_000}m` : `${e / 1000}s`}`;
  }
  if ('continuous' in s) return 'continuous';
  return `cron ${s.cron} (${s.tz})`;
}
