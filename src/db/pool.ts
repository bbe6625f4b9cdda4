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
}

export function createPool(o: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    statement_timeout: o.statementTimeoutMs,
    application_name: o.applicationName,
  });
  // An idle client losing its connection (server restart) must not crash the process;
  // the pool drops it and the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `fn` in a transaction on one connection; commits on success, rolls back on error. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
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
