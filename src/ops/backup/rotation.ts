// Which backups to keep: the newest `last`, plus the newest of each of the last `daily`
// days and `weekly` ISO weeks (UTC). Everything else is deleted after a good backup.
import { timeOfName } from './format.js';
import type { KeepPolicy } from './config.js';

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day); // the Thursday of this week decides its year
  const year = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${week}`;
}

/** Names to delete from `names` (names that are not Wick backups are never touched). */
export function toDelete(names: string[], keep: KeepPolicy, now: Date): string[] {
  const dated = names.map((n) => ({ n, t: timeOfName(n) })).filter((x): x is { n: string; t: Date } => x.t !== null)
    .sort((a, b) => b.t.getTime() - a.t.getTime());
  const kept = new Set(dated.slice(0, keep.last).map((x) => x.n));
  const bucket = (count: number, key: (d: Date) => string, periodMs: number) => {
    if (count === 0) return;
    const wanted = new Set<string>();
    for (let i = 0; i < count; i++) wanted.add(key(new Date(now.getTime() - i * periodMs)));
    const seen = new Set<string>();
    for (const x of dated) {
      const k = key(x.t);
      if (wanted.has(k) && !seen.has(k)) {
        seen.add(k);
        kept.add(x.n);
      }
    }
  };
  bucket(keep.daily, (d) => d.toISOString().slice(0, 10), 86_400_000);
  bucket(keep.weekly, isoWeek, 7 * 86_400_000);
  return dated.filter((x) => !kept.has(x.n)).map((x) => x.n);
}
