// One bounded connection pool per process. numeric stays a string (exact decimals);
// int8 becomes a JS number (counts and epoch milliseconds fit in 2^53).
import pg from 'pg';

pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  url: string;
  max: number;
  statementTimeoutMs: number;
  applicationName: string;
  /** Wait for a free connection at most this long, then fail (the API turns that into 503). */
  acquireTimeoutMs?: number;
  idleTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
}

const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** True when the database cannot be reached right now (restarting, shutting down, network): retryable. */
export function isDatabaseUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: string }).code;
  return (code !== undefined && UNAVAILABLE_CODES.has(code)) || /Connection terminated|Client has encountered a connection error|connect ECONNREFUSED/.test(e.message);
}

/** True for the error of a pool that had no free connection within its acquire timeout. */
export function isPoolExhausted(e: unknown): boolean {
  return e instanceof Error && /timeout exceeded when trying to connect/.test(e.message);
}

export function createPool(o: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.max,
    idleTimeoutMillis: o.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: o.acquireTimeoutMs ?? 10_000,
    statement_timeout: o.statementTimeoutMs,
    idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs,
    application_name: o.applicationName,
  });
  // An idle client losing its connection (server restart) must not crash the process;
  // the pool drops it and the next query reconnects.
  pool.on('error', () => undefined);
  // The same for a connection that is checked out but between queries when the server goes
  // away (e.g. inside a transaction): without a listener its 'error' event would crash the
  // process; with one, its next query fails and the caller's usual error handling runs.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** A name (table, column, sequence) quoted for SQL, whatever characters it holds. */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Runs `fn` in a transaction on one connection; commits on success, rolls back on error.
 * `begin` sets the transaction's mode (e.g. `BEGIN READ ONLY`).
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
