// Operations commands: `wick backup [list]`, `wick restore`, `wick keys create|list|revoke`.
import { Option, type Command } from 'commander';
import type { LoadedConfig } from '../config/load.js';
import { withDatabase } from '../db/index.js';
import { listBackups, restoreBackup, runBackup } from './backup/index.js';
import { registerKeyCommands } from '../auth/cli.js';

export type Loader = (opts: { config?: string }) => Promise<LoadedConfig>;

const mb = (n: number) => `${(n / 1_048_576).toFixed(2)} MB`;

export function registerOpsCommands(program: Command, load: Loader, configOption: () => Option): void {
  const backup = program.command('backup').description('back up all Wick data (a consistent, compressed logical dump) to the backup directory and/or S3');
  backup.command('create', { isDefault: true })
    .description('make a backup now, then rotate old ones (the default of `wick backup`)')
    .addOption(configOption())
    .action(async (opts) => {
      const loaded = await load(opts);
      await withDatabase(loaded.config, 'backup', async (db) => {
        const r = await runBackup(db.pool, loaded.config.backup, loaded.config.dataDir);
        process.stdout.write(`backup ${r.name}: ${r.rows} rows, ${mb(r.bytes)}\n${r.locations.map((l) => `  -> ${l}\n`).join('')}`);
        for (const d of r.deleted) process.stdout.write(`  rotated out: ${d}\n`);
      }, { migrate: true });
    });
  backup.command('list')
    .description('list the backups in the backup directory and S3, oldest first')
    .addOption(configOption())
    .action(async (opts) => {
      const { config } = await load(opts);
      const list = await listBackups(config.backup, config.dataDir);
      if (!list.length) process.stdout.write('no backups\n');
      for (const b of list) process.stdout.write(`${b.time.toISOString()}  ${mb(b.bytes).padStart(11)}  ${b.location}\n`);
    });

  program.command('restore')
    .description('restore a backup into an empty database (a path, a name in the backup directory, or s3://bucket/key)')
    .argument('<backup>', 'backup file, name, or s3://bucket/key')
    .addOption(configOption())
    .action(async (location: string, opts) => {
      const loaded = await load(opts);
      await withDatabase(loaded.config, 'restore', async (db) => {
        const r = await restoreBackup(db.pool, location, loaded.config.backup, loaded.config.dataDir);
        const total = Object.values(r.rows).reduce((a, b) => a + b, 0);
        process.stdout.write(`restored ${total} rows in ${Object.keys(r.rows).length} tables from the backup of ${r.manifest.createdAt}${r.migratedAfter.length ? `; then applied ${r.migratedAfter.join(', ')}` : ''}\n`);
      }, { migrate: false }); // restore applies the backup's own migrations
    });

  registerKeyCommands(program, load, configOption);
}
