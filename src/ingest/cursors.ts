// Where each source's streams have got to. Cursors are written in the same transaction as
// the data they cover (see writers.ts), so a crash or retry never leaves a gap or a duplicate.
import type { Pool, PoolClient } from '../db/pool.js';
import type { Cursor } from '../sources/types.js';

export function streamKey(kind: string, marketId: string): string {
  return `${kind}:${marketId}`;
}

export async function readCursor(pool: Pool, sourceId: string, stream: string): Promise<Cursor | null> {
  const r = await pool.query<{ cursor: Cursor }>('SELECT cursor FROM source_cursors WHERE source_id = $1 AND stream = $2', [sourceId, stream]);
  return r.rows[0]?.cursor ?? null;
}

export async function saveCursor(client: PoolClient, sourceId: string, stream: string, cursor: Cursor): Promise<void> {
  await client.query(
    `INSERT INTO source_cursors (source_id, stream, cursor) VALUES ($1, $2, $3)
     ON CONFLICT (source_id, stream) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
    [sourceId, stream, cursor],
  );
}
