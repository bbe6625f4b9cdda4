// Restores a Wick backup into an empty database: migrate it to the schema the backup was
// taken at (its manifest lists the migrations), load every table with COPY FROM STDIN and
// set every sequence to its saved state, all in one transaction (a failed restore leaves
// nothing behind), then apply the migrations this Wick has that the backup predates.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { from as copyFrom } from 'pg-copy-streams';
import { loadMigrations, migrate } from '../../db/migrate.js';
import { quoteIdent, withTransaction, type Pool, type PoolClient } from '../../db/pool.js';
import { END_OF_DATA, FORMAT, type BackupManifest, type BackupTrailer, type SequenceState, type TableHeader } from './format.js';
import { listTables } from './schema-info.js';

export class RestoreRefused extends Error {}

export interface RestoreResult { manifest: BackupManifest; rows: Record<string, number>; migratedAfter: string[] }

/** Tables that hold rows (the database is "empty" when this is empty). */
export async function nonEmptyTables(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    const out: string[] = [];
    for (const t of await listTables(client)) {
      const r = await client.query(`SELECT 1 FROM ${quoteIdent(t.name)} LIMIT 1`);
      if (r.rowCount) out.push(t.name);
    }
    return out;
  } finally {
    client.release();
  }
}

export async function restoreDatabase(pool: Pool, compressed: Readable): Promise<RestoreResult> {
  const lines = createInterface({ input: compressed.pipe(createGunzip()), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error('the backup file ends early (truncated or not a complete backup)');
    return r.value;
  };
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await next()) as BackupManifest;
  } catch (e) {
    throw new RestoreRefused(`not a Wick backup (${(e as Error).message})`);
  }
  if (manifest?.format !== FORMAT) throw new RestoreRefused('not a Wick backup (its first line has no "wick-backup" manifest)');
  const known = new Set((await loadMigrations()).map((m) => m.name));
  const unknown = manifest.migrations.filter((m) => !known.has(m));
  if (unknown.length) throw new RestoreRefused(`the backup was made by a newer Wick (${manifest.wickVersion}) whose schema includes migrations this Wick does not have (${unknown.join(', ')}); restore it with that version or newer`);

  const busy = await nonEmptyTables(pool);
  if (busy.length) throw new RestoreRefused(`the target database is not empty (tables with rows: ${busy.join(', ')}); restore into a new, empty database (or one that only ran \`wick migrate\`)`);

  const inBackup = new Set(manifest.migrations);
  await migrate(pool, { only: (name) => inBackup.has(name) });

  const rows: Record<string, number> = {};
  await withTransaction(pool, async (client) => {
    await client.query(`SET LOCAL statement_timeout = 0; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'`);
    for (;;) {
      const line = await next();
      if (line.startsWith('@table ')) {
        const t = JSON.parse(line.slice(7)) as TableHeader;
        rows[t.name] = await copyTable(client, t, next);
      } else if (line.startsWith('@sequence ')) {
        const s = JSON.parse(line.slice(10)) as SequenceState;
        await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [quoteIdent(s.name), s.last_value, s.is_called]);
      } else if (line.startsWith('@end ')) {
        const trailer = JSON.parse(line.slice(5)) as BackupTrailer;
        for (const [name, n] of Object.entries(trailer.tables)) {
          if (rows[name] !== n) throw new Error(`table ${name}: the backup says ${n} rows, ${rows[name] ?? 0} were restored`);
        }
        break;
      } else {
        throw new Error(`unexpected line in the backup: ${line.slice(0, 80)}`);
      }
    }
  });
  const migratedAfter = await migrate(pool);
  return { manifest, rows, migratedAfter };
}

async function copyTable(client: PoolClient, t: TableHeader, next: () => Promise<string>): Promise<number> {
  const sink: Writable = client.query(copyFrom(`COPY ${quoteIdent(t.name)} (${t.columns.map(quoteIdent).join(', ')}) FROM STDIN`));
  const done = new Promise<void>((res, rej) => {
    sink.on('finish', res);
    sink.on('error', rej);
  });
  let n = 0;
  let buf: string[] = [];
  let size = 0;
  const flush = async () => {
    if (!buf.length) return;
    const ok = sink.write(buf.join(''));
    buf = [];
    size = 0;
    if (!ok) await Promise.race([once(sink, 'drain'), done]);
  };
  try {
    for (;;) {
      const line = await next();
      if (line === END_OF_DATA) break;
      buf.push(line + '\n');
      size += line.length + 1;
      n++;
      if (size >= 256 * 1024) await flush();
    }
  } catch (e) {
    // Abort the COPY (the server gets CopyFail) so the connection can roll back.
    sink.destroy(e as Error);
    await done.catch(() => undefined);
    throw e;
  }
  await flush();
  sink.end();
  await done;
  return n;
}
