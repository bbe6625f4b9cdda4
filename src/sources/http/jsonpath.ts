// Simple JSON paths: dotted keys, [n] indexes and [*] (every element), e.g. "data[*].stats.floor".
// A leading "$." is allowed. Evaluation returns every value reached (fan-out at [*]).

type Seg = string | number | '*';

export function parsePath(path: string): Seg[] {
  const p = path.trim().replace(/^\$\.?/, '');
  const out: Seg[] = [];
  for (const part of p.split('.')) {
    if (part === '') continue;
    const m = /^([^[\]]*)((?:\[(?:\d+|\*)\])*)$/.exec(part);
    if (!m) throw new Error(`"${path}" is not a simple JSON path (use keys, [n] and [*], e.g. data[*].price)`);
    if (m[1]) out.push(m[1]);
    for (const b of m[2].matchAll(/\[(\d+|\*)\]/g)) out.push(b[1] === '*' ? '*' : Number(b[1]));
  }
  return out;
}

export function select(value: unknown, path: string): unknown[] {
  let cur: unknown[] = [value];
  for (const seg of parsePath(path)) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (seg === '*') {
        if (Array.isArray(v)) next.push(...v);
      } else if (typeof seg === 'number') {
        if (Array.isArray(v) && seg < v.length) next.push(v[seg]);
      } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && seg in v) {
        next.push((v as Record<string, unknown>)[seg]);
      }
    }
    cur = next;
  }
  return cur;
}

/** The rows at a path: the elements of the array it names (or of [*]). Null when the path is not there. */
export function rowsAt(value: unknown, path: string): unknown[] | null {
  const base = path.trim().replace(/\[\*\]$/, '');
  if (base.includes('[*]')) return select(value, path); // fan-out through nested arrays
  const hit = base === '' || base === '$' ? [value] : select(value, base);
  return Array.isArray(hit[0]) ? hit[0] : null;
}
