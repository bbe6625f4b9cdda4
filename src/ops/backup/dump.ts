// A logical dump written by Wick itself: every table's rows via COPY TO STDOUT, all inside
// one REPEATABLE READ READ ONLY transaction (one snapshot, so the backup is consistent while
// ingest keeps writing), gzip-compressed as it streams. It needs nothing but a connection:
// the embedded Postgres ships no pg_dump, and a machine's pg_dump often does not match the
// server's major version.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { to as copyTo } from 'pg-copy-streams';
import { quoteIdent, withTransaction, type Pool } from '../../db/pool.js';
import { VERSION } from '../../version.js';
import { END_OF_DATA, FORMAT, FORMAT_VERSION, type BackupManifest, type BackupTrailer } from './format.js';
import { listSequences, listTables } from './schema-info.js';

export interface DumpResult { manifest: BackupManifest; rows: Record<string, number> }

async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Writes a compressed backup of the database to `sink` (which is ended when done). */
export async function dumpDatabase(pool: Pool, sink: Writable, opts: { level?: number } = {}): Promise<DumpResult> {
  const gzip = createGzip({ level: opts.level ?? 6 });
  gzip.pipe(sink);
  const finished = once(sink, 'finish');
  try {
    // No statement timeout: copying a large table legitimately takes long.
    const result = await withTransaction(pool, async (client) => {
      await client.query(`SET LOCAL statement_timeout = 0; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'; SET LOCAL extra_float_digits = 3`);
      const tables = await listTables(client);
      const migrations = (await client.query<{ name: string }>('SELECT name FROM wick_migrations ORDER BY name')).rows.map((r) => r.name);
      const serverVersion = (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0].v;
      const manifest: BackupManifest = {
        format: FORMAT, version: FORMAT_VERSION, wickVersion: VERSION, createdAt: new Date().toISOString(),
        serverVersion, migrations, tables: tables.map((t) => t.name),
      };
      await write(gzip, JSON.stringify(manifest) + '\n');
      const rows: Record<string, number> = {};
      for (const t of tables) {
        await write(gzip, `@table ${JSON.stringify({ name: t.name, columns: t.columns })}\n`);
        const stream = client.query(copyTo(`COPY ${quoteIdent(t.name)} (${t.columns.map(quoteIdent).join(', ')}) TO STDOUT`));
        for await (const chunk of stream) await write(gzip, chunk as Buffer);
        rows[t.name] = Number(stream.rowCount ?? 0);
        await write(gzip, END_OF_DATA + '\n');
      }
      for (const name of await listSequences(client)) {
        const s = await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${quoteIdent(name)}`);
        await write(gzip, `@sequence ${JSON.stringify({ name, ...s.rows[0] })}\n`);
      }
      const trailer: BackupTrailer = { tables: rows };
      await write(gzip, `@end ${JSON.stringify(trailer)}\n`);
      return { manifest, rows };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    gzip.end();
    await finished;
    return result;
  } catch (e) {
    gzip.destroy(e as Error);
    sink.destroy(e as Error);
    throw e;
  }
}
