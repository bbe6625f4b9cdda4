// Plain SQL migrations (src/db/migrations/NNNN_name.sql), applied in name order, each in
// its own transaction, under an advisory lock so concurrent processes never race.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Pool } from './pool.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const LOCK_ID = 0x7769636b; // "wick"

interface Migration { name: string; sql: string; checksum: string }

let loaded: Promise<Migration[]> | null = null;

export function loadMigrations(): Promise<Migration[]> {
  loaded ??= readMigrations();
  return loaded;
}

async function readMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(files.map(async (f) => {
    const sql = await readFile(MIGRATIONS_DIR + f, 'utf8');
    return { name: f.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
  }));
}

const ENSURE_TABLE = `CREATE TABLE IF NOT EXISTS wick_migrations (
  name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;

/** Applies pending migrations (only those `opts.only` accepts, when given); returns the names applied. */
export async function migrate(pool: Pool, opts: { only?: (name: string) => boolean } = {}): Promise<string[]> {
  const migrations = await loadMigrations();
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(ENSURE_TABLE);
    const applied = new Map((await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM wick_migrations')).rows.map((r) => [r.name, r.checksum]));
    const done: string[] = [];
    for (const m of migrations) {
      if (opts.only && !opts.only(m.name)) continue;
      const prev = applied.get(m.name);
      if (prev !== undefined) {
        if (prev !== m.checksum) throw new Error(`migration ${m.name} was changed after it was applied; add a new migration instead`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO wick_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(e as Error).message}`);
      }
      done.push(m.name);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    client.release();
  }
}

/** Migrations not yet applied to this database (for readiness checks). */
export async function pendingMigrations(pool: Pool): Promise<string[]> {
  const migrations = await loadMigrations();
  const exists = await pool.query(`SELECT to_regclass('wick_migrations') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return migrations.map((m) => m.name);
  const applied = new Set((await pool.query<{ name: string }>('SELECT name FROM wick_migrations')).rows.map((r) => r.name));
  return migrations.filter((m) => !applied.has(m.name)).map((m) => m.name);
}
