// What a backup covers: every table of Wick's schema (the schema migrations create tables
// in), found from the catalog so tables added by later migrations are included with no
// change here. wick_migrations is not data: a restore re-creates it by migrating.
import type pg from 'pg';

export interface TableInfo { name: string; columns: string[] }

const SKIP = new Set(['wick_migrations']);

export async function listTables(client: pg.ClientBase): Promise<TableInfo[]> {
  const tables = await client.query<{ name: string; columns: string[] }>(`
    SELECT c.relname AS name,
           array_agg(a.attname::text ORDER BY a.attnum) AS columns
    FROM pg_class c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    GROUP BY c.relname`);
  const deps = await client.query<{ child: string; parent: string }>(`
    SELECT c.relname AS child, p.relname AS parent
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_class p ON p.oid = k.confrelid
    WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace AND k.conrelid <> k.confrelid`);
  const found = tables.rows.filter((t) => !SKIP.has(t.name));
  return dependencyOrder(found, deps.rows);
}

/** Referenced tables before the tables referencing them (stable by name otherwise). */
export function dependencyOrder(tables: TableInfo[], deps: Array<{ child: string; parent: string }>): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const parents = new Map<string, Set<string>>();
  for (const d of deps) if (byName.has(d.child) && byName.has(d.parent)) (parents.get(d.child) ?? parents.set(d.child, new Set()).get(d.child)!).add(d.parent);
  const out: TableInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`foreign keys form a cycle (${[...path, name].join(' -> ')}); such tables cannot be restored in order`);
    state.set(name, 'visiting');
    for (const p of [...(parents.get(name) ?? [])].sort()) visit(p, [...path, name]);
    state.set(name, 'done');
    out.push(byName.get(name)!);
  };
  for (const name of [...byName.keys()].sort()) visit(name, []);
  return out;
}

export async function listSequences(client: pg.ClientBase): Promise<string[]> {
  const r = await client.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace ORDER BY relname`);
  return r.rows.map((x) => x.name);
}

