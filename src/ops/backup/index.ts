// `wick backup`, `wick backup list`, `wick restore` and the scheduled backup job.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Pool } from '../../db/pool.js';
import type { JobDefinition } from '../../jobs/types.js';
import type { BackupConfig } from './config.js';
import { dumpDatabase } from './dump.js';
import { backupName } from './format.js';
import { restoreDatabase, type RestoreResult } from './restore.js';
import { toDelete } from './rotation.js';
import { LocalStore, S3Store, type BackupStore, type StoredBackup } from './store.js';

export { RestoreRefused } from './restore.js';
export { backupConfigSchema, type BackupConfig } from './config.js';

const LOCK_ID = 0x7769636c; // one backup at a time across all Wick processes

export function backupStores(cfg: BackupConfig, dataDir: string): BackupStore[] {
  const stores: BackupStore[] = [];
  if (cfg.dir !== null) stores.push(new LocalStore(isAbsolute(cfg.dir) ? cfg.dir : resolve(dataDir, cfg.dir)));
  if (cfg.s3) stores.push(new S3Store(cfg.s3));
  return stores;
}

function closeStores(stores: BackupStore[]): void {
  for (const s of stores) if (s instanceof S3Store) s.close();
}

export interface BackupResult { name: string; bytes: number; rows: number; tables: Record<string, number>; locations: string[]; deleted: string[] }

export async function runBackup(pool: Pool, cfg: BackupConfig, dataDir: string, log?: Logger, now = () => new Date()): Promise<BackupResult> {
  const lock = await pool.connect();
  const stores = backupStores(cfg, dataDir);
  let scratch: string | null = null;
  try {
    const { rows: [{ ok }] } = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LOCK_ID]);
    if (!ok) throw new Error('another backup is running against this database');
    const started = now();
    const name = backupName(started);
    const local = stores.find((s): s is LocalStore => s instanceof LocalStore);
    const dir = local ? local.dir : (scratch = await mkdtemp(join(tmpdir(), 'wick-backup-')));
    await mkdir(dir, { recursive: true });
    const partial = join(dir, `.${name}.partial`);
    let dumped;
    try {
      dumped = await dumpDatabase(pool, createWriteStream(partial), { level: cfg.compressionLevel });
      await rename(partial, join(dir, name));
    } catch (e) {
      await rm(partial, { force: true });
      throw e;
    }
    const file = join(dir, name);
    const { size } = await stat(file);
    const locations: string[] = [];
    for (const s of stores) locations.push(await s.put(name, file));
    const rows = Object.values(dumped.rows).reduce((a, b) => a + b, 0);
    await pool.query('INSERT INTO wick_backups (name, locations, bytes, rows, started_at) VALUES ($1, $2, $3, $4, $5)', [name, locations, size, rows, started]);
    // Rotate only after a good backup, so a failing backup never deletes older good ones.
    const deleted: string[] = [];
    for (const s of stores) {
      for (const old of toDelete((await s.list()).map((b) => b.name), cfg.keep, now())) {
        await s.remove(old);
        deleted.push(`${s.description}${s instanceof S3Store ? '' : '/'}${old}`);
      }
    }
    log?.info({ name, bytes: size, rows, locations, deleted: deleted.length }, 'backup done');
    return { name, bytes: size, rows, tables: dumped.rows, locations, deleted };
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    lock.release();
    if (scratch) await rm(scratch, { recursive: true, force: true });
    closeStores(stores);
  }
}

export async function listBackups(cfg: BackupConfig, dataDir: string): Promise<Array<StoredBackup & { store: string }>> {
  const stores = backupStores(cfg, dataDir);
  try {
    const out: Array<StoredBackup & { store: string }> = [];
    for (const s of stores) for (const b of await s.list()) out.push({ ...b, store: s.description });
    return out.sort((a, b) => a.time.getTime() - b.time.getTime());
  } finally {
    closeStores(stores);
  }
}

/** Opens a backup by local path, by name in the local backup directory, or by s3://bucket/key. */
export async function openBackup(location: string, cfg: BackupConfig, dataDir: string): Promise<{ stream: Readable; close(): void }> {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (s3) {
    // The bucket and key come from the location; endpoint and credentials from the config.
    const store = new S3Store({ ...(cfg.s3 ?? { region: 'us-east-1', forcePathStyle: true, prefix: '' }), bucket: s3[1], prefix: '' });
    return { stream: await store.openKey(s3[2]), close: () => store.close() };
  }
  let file = resolve(location);
  const exists = await stat(file).then(() => true, () => false);
  if (!exists && cfg.dir !== null && !location.includes('/')) file = resolve(dataDir, cfg.dir, location);
  await stat(file).catch(() => { throw new Error(`backup not found: ${location}`); });
  return { stream: createReadStream(file), close: () => undefined };
}

export async function restoreBackup(pool: Pool, location: string, cfg: BackupConfig, dataDir: string): Promise<RestoreResult> {
  const source = await openBackup(location, cfg, dataDir);
  try {
    return await restoreDatabase(pool, source.stream);
  } finally {
    source.close();
  }
}

/** The scheduled backup, when `backup.every` is set. */
export function backupJobs(cfg: BackupConfig, dataDir: string): JobDefinition[] {
  if (!cfg.every) return [];
  return [{
    name: 'ops:backup',
    description: `backup of all Wick data every ${cfg.every} ms`,
    schedule: { every: cfg.every },
    priority: 10,
    run: async ({ pool, log }) => {
      // Several workers may schedule it: skip when another process made one recently.
      const recent = await pool.query(`SELECT 1 FROM wick_backups WHERE finished_at > now() - make_interval(secs => $1::float8 / 2000)`, [cfg.every]);
      if (recent.rowCount) return { rows: 0, errors: [], failed: false };
      const r = await runBackup(pool, cfg, dataDir, log);
      return { rows: r.rows, errors: [], failed: false };
    },
  }];
}
