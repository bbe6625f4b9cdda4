// The budget plan: projected provider use from the job schedules and the current number of
// markets / items, next to each provider's quota. Months are counted as 30 days (the way
// providers' "per month" plans are usually sized). Degrading defers the lowest-priority
// jobs of an over-quota provider until the projection fits.
import type { ProvidersConfig } from './config.js';

export interface JobUse {
  job: string;
  provider: string;
  priority: number;
  runsPerDay: number;
  /** Units (requests or weighted units) one run spends. */
  unitsPerRun: number;
  /** How the units were counted, e.g. "1,500 items × 1 call × cost 1". */
  basis: string;
}

export interface ProviderPlan {
  provider: string;
  perDay: number;
  perMonth: number;
  quotaDay: number | null;
  quotaMonth: number | null;
  hard: boolean;
  /** Problems like "projected 1,080,000 per month > quota 150,000". */
  overruns: string[];
  jobs: Array<JobUse & { perDay: number }>;
}

export const DAYS_PER_MONTH = 30;

export function planBudget(uses: JobUse[], providers: ProvidersConfig): ProviderPlan[] {
  const names = [...new Set([...uses.map((u) => u.provider), ...Object.keys(providers)])].sort();
  return names.map((provider) => {
    const jobs = uses.filter((u) => u.provider === provider).map((u) => ({ ...u, perDay: u.runsPerDay * u.unitsPerRun }));
    const perDay = round(jobs.reduce((s, j) => s + j.perDay, 0));
    const perMonth = round(perDay * DAYS_PER_MONTH);
    const q = providers[provider]?.quota;
    const overruns: string[] = [];
    if (q?.perDay !== undefined && perDay > q.perDay) overruns.push(`projected ${fmt(perDay)} per day > quota ${fmt(q.perDay)}`);
    if (q?.perMonth !== undefined && perMonth > q.perMonth) overruns.push(`projected ${fmt(perMonth)} per month > quota ${fmt(q.perMonth)}`);
    return { provider, perDay, perMonth, quotaDay: q?.perDay ?? null, quotaMonth: q?.perMonth ?? null, hard: q?.hard ?? true, overruns, jobs };
  });
}

/** Jobs to defer so every hard quota fits: per over-quota provider, lowest priority first (then the costliest). */
export function degrade(uses: JobUse[], providers: ProvidersConfig): Map<string, string> {
  const deferred = new Map<string, string>();
  for (;;) {
    const active = uses.filter((u) => !deferred.has(u.job));
    const over = planBudget(active, providers).find((p) => p.hard && p.overruns.length > 0 && p.jobs.length > 0);
    if (!over) return deferred;
    const victim = [...over.jobs].sort((a, b) => a.priority - b.priority || b.perDay - a.perDay)[0];
    deferred.set(victim.job, `deferred to keep provider "${over.provider}" within its hard quota (${over.overruns.join('; ')}); priority ${victim.priority}`);
  }
}

export function fmt(n: number): string {
  return round(n).toLocaleString('en-US');
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The plan as a table for the terminal. */
export function formatPlan(plans: ProviderPlan[], deferred: Map<string, string> = new Map()): string {
  const lines: string[] = [];
  for (const p of plans) {
    const quota = [p.quotaDay !== null ? `${fmt(p.quotaDay)}/day` : null, p.quotaMonth !== null ? `${fmt(p.quotaMonth)}/month` : null].filter(Boolean).join(', ') || 'no quota';
    const status = p.overruns.length ? `OVER (${p.hard ? 'hard' : 'soft'}): ${p.overruns.join('; ')}` : 'ok';
    lines.push(`${p.provider}: ${fmt(p.perDay)} calls/day, ${fmt(p.perMonth)} calls/month; quota ${quota}: ${status}`);
    for (const j of p.jobs) lines.push(`  ${j.job} (priority ${j.priority}): ${fmt(j.runsPerDay)} runs/day × ${j.basis} = ${fmt(j.perDay)}/day${deferred.has(j.job) ? ' [deferred]' : ''}`);
  }
  return lines.join('\n') + '\n';
}
