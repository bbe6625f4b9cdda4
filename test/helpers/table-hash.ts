// Every table of a database with its row count and a hash of its rows in a fixed order:
// two databases are equal row for row when these are equal. Generic over tables, so
// tables added by later migrations are compared too.
import type { Pool } from '../../src/db/pool.js';

export async function tableHashes(pool: Pool): Promise<Record<string, { rows: number; md5: string }>> {
  const tables = await pool.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace = current_schema()::regnamespace AND relname <> 'wick_migrations' ORDER BY 1`);
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const { name } of tables.rows) {
    const r = await pool.query<{ rows: number; md5: string }>(`SELECT count(*)::int AS rows, coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') AS md5 FROM "${name}" t`);
    out[name] = r.rows[0];
  }
  return out;
}
