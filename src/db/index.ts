// Opens Wick's database: the external server at `database.url` (DATABASE_URL), or the
// embedded Postgres in the data directory when none is configured.
import type { Logger } from 'pino';
import type { WickConfig } from '../config/schema.js';
import { createLogger } from '../log.js';
import { migrate } from './migrate.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded.js';
import { createPool, type Pool } from './pool.js';

export interface Database {
  pool: Pool;
  /** Where it is, with the password hidden. */
  description: string;
  close(): Promise<void>;
}

export async function openDatabase(cfg: WickConfig, log: Logger, role: string): Promise<Database> {
  let embedded: EmbeddedServer | null = null;
  let url = cfg.database.url;
  if (!url) {
    embedded = await startEmbeddedPostgres(cfg.dataDir, cfg.database.embedded.port, log);
    url = embedded.url;
  }
  const pool = createPool({ url, max: cfg.database.poolSize, statementTimeoutMs: cfg.database.statementTimeoutMs, applicationName: `wick-${role}`,
    acquireTimeoutMs: cfg.database.acquireTimeoutMs, idleTimeoutMs: cfg.database.idleTimeoutMs, idleInTransactionTimeoutMs: cfg.database.idleInTransactionTimeoutMs });
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw new Error(`cannot connect to the database at ${redactUrl(url)}: ${(e as Error).message}`);
  }
  return {
    pool,
    description: embedded ? `embedded Postgres in ${cfg.dataDir}` : redactUrl(url),
    close: async () => {
      await pool.end().catch(() => undefined);
      await embedded?.stop();
    },
  };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

/**
 * Opens the database for one CLI command, runs `fn`, and closes it. Info-level logs are
 * quieted to warnings so the command's own output stays readable; `migrate` applies pending
 * migrations first (commands that manage migrations themselves leave it off).
 */
export async function withDatabase<T>(cfg: WickConfig, role: string, fn: (db: Database) => Promise<T>, opts: { migrate: boolean }): Promise<T> {
  const db = await openDatabase(cfg, createLogger(cfg.log.level === 'info' ? 'warn' : cfg.log.level, cfg.log.pretty), role);
  try {
    if (opts.migrate) await migrate(db.pool);
    return await fn(db);
  } finally {
    await db.close();
  }
}
