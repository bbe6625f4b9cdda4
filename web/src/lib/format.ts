// Number and time formatting: prices from 0.00000123 to 100,000 stay readable.
const grouped2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const upTo4 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const significant = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4, maximumFractionDigits: 20 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

type Num = number | string | null | undefined;
const num = (x: Num): number | null => (x === null || x === undefined || x === '' || !Number.isFinite(Number(x)) ? null : Number(x));

/** 100,000.00 · 43.2150 · 0.001234 · 0.00000123 */
export function price(x: Num): string {
  const v = num(x);
  if (v === null) return '—';
  const a = Math.abs(v);
  if (a >= 1000) return grouped2.format(v);
  if (a >= 1) return upTo4.format(v);
  if (a === 0) return '0';
  return significant.format(v);
}

/** Fixed decimals, for columns of prices that should line up (order books, trades). */
export function fixed(x: Num, decimals: number): string {
  const v = num(x);
  if (v === null) return '—';
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(v);
}

/** 1.23M, 45.6K, 980 */
export function volume(x: Num): string {
  const v = num(x);
  if (v === null) return '—';
  return Math.abs(v) < 1000 ? significant.format(v) : compact.format(v);
}

export function count(x: Num): string {
  const v = num(x);
  return v === null ? '—' : integer.format(v);
}

/** +1.23 % / −4.50 % */
export function percent(x: Num, digits = 2): string {
  const v = num(x);
  if (v === null) return '—';
  const s = Math.abs(v).toFixed(digits);
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${s} %`;
}

export const changeClass = (x: Num) => {
  const v = num(x);
  return v === null || v === 0 ? 'text-slate-500 dark:text-slate-400' : v > 0 ? 'text-emerald-600 dark:text-emerald-400' : 'text-rose-600 dark:text-rose-400';
};

/** Decimals a price of this size needs (chart axes). */
export function decimalsFor(x: number): number {
  const a = Math.abs(x);
  if (!a || a >= 1000) return 2;
  if (a >= 1) return 4;
  return Math.min(12, Math.ceil(-Math.log10(a)) + 3);
}

export function time(ms: Num): string {
  const v = num(ms);
  if (v === null) return '—';
  return new Date(v).toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function clock(ms: Num): string {
  const v = num(ms);
  return v === null ? '—' : new Date(v).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "3 min ago", "in 2 h" */
export function ago(ms: Num, now = Date.now()): string {
  const v = num(ms);
  if (v === null) return '—';
  const d = (now - v) / 1000;
  const a = Math.abs(d);
  const s = a < 60 ? `${Math.round(a)} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 86400 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} d`;
  return d >= 0 ? `${s} ago` : `in ${s}`;
}

export function duration(ms: Num): string {
  const v = num(ms);
  if (v === null) return '—';
  return v < 1000 ? `${Math.round(v)} ms` : v < 60_000 ? `${(v / 1000).toFixed(1)} s` : `${(v / 60_000).toFixed(1)} min`;
}
