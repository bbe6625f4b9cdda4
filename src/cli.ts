#!/usr/bin/env node
// wick: start | api | worker | migrate | ingest | config
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type LoadedConfig } from './config/load.js';
import { openDatabase, withDatabase } from './db/index.js';
import { migrate } from './db/migrate.js';
import { SourceRunner } from './ingest/runner.js';
import { createLogger } from './log.js';
import { startWick, type Role } from './runtime.js';
import { createSource } from './sources/registry.js';
import { registerJobCommands } from './jobs/cli.js';
import { ProviderLimiter } from './budgets/limiter.js';
import { VERSION } from './version.js';
import { registerOpsCommands } from './ops/cli.js';
import { redactSecrets } from './ops/redact.js';
import { randomBytes } from 'node:crypto';
import { AccountError, createUser } from './auth/users.js';

import { formatPlan, planRetention, runRetention } from './analytics/retention.js';

const program = new Command()
  .name('wick')
  .description('Wick: a self-hosted crypto market-data backend (ingest, store, compute, serve).')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)');

const configOption = () => new Option('-c, --config <file>', 'configuration file (default: $WICK_CONFIG or ./wick.config.yaml, else built-in defaults)');

async function load(opts: { config?: string }): Promise<LoadedConfig> {
  return loadConfig({ file: opts.config });
}

function serve(role: Role, description: string) {
  program.command(role === 'all' ? 'start' : role)
    .description(description)
    .addOption(configOption())
    .option('--degrade', 'when the budget plan exceeds a hard quota, defer the lowest-priority jobs instead of refusing to start')
    .action(async (opts) => {
      const loaded = await load(opts);
      const wick = await startWick(loaded, role, undefined, { degrade: opts.degrade === true });
      if (wick.url) process.stdout.write(`Wick ${VERSION} is running: API ${wick.url}/v1, docs ${wick.url}/docs\n`);
      const shutdown = (signal: string) => {
        wick.log.info({ signal }, 'signal received');
        // A second signal while stopping forces the exit.
        process.once(signal, () => process.exit(130));
        wick.stop().then(() => process.exit(0), (e) => {
          wick.log.error({ err: (e as Error).message }, 'unclean shutdown');
          process.exit(1);
        });
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}

serve('all', 'run everything in one process: the API and the ingest scheduler (embedded Postgres unless DATABASE_URL is set)');
serve('api', 'run only the HTTP API (for several API replicas against one database)');
serve('worker', 'run only ingestion (for workers separate from the API)');

program.command('migrate')
  .description('apply pending database migrations and exit')
  .addOption(configOption())
  .action(async (opts) => {
    const { config } = await load(opts);
    await withDatabase(config, 'migrate', async (db) => {
      const applied = await migrate(db.pool);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    }, { migrate: false });
  });

program.command('ingest')
  .description('run one ingest pass of a source now and exit (a live replay runs until its file ends; Ctrl-C stops it cleanly)')
  .argument('<source>', 'source id from the configuration')
  .addOption(new Option('-t, --task <kind>', 'only this task').choices(['trades', 'candles', 'tickers', 'orderbook', 'metrics']))
  .addOption(configOption())
  .action(async (sourceId: string, opts) => {
    const loaded = await load(opts);
    const { config } = loaded;
    const cfg = config.sources.find((s) => s.id === sourceId);
    if (!cfg) {
      const known = config.sources.map((s) => s.id);
      throw new UsageError(`unknown source "${sourceId}"; ${known.length ? `configured sources: ${known.join(', ')}` : `no sources are configured in ${loaded.file ?? 'the built-in defaults'}`}`);
    }
    const log = createLogger(config.log.level, config.log.pretty);
    const db = await openDatabase(config, log, 'ingest');
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await migrate(db.pool);
      const source = await createSource(cfg, loaded.baseDir);
      // Manual passes spend the same provider budgets as scheduled ones.
      const limiter = new ProviderLimiter(db.pool, config.providers, log.child({ component: 'budgets' }));
      const runner = new SourceRunner(source, db.pool, log.child({ source: source.id }), limiter.call);
      let failed = false;
      for (const task of await source.tasks()) {
        if (opts.task && task.kind !== opts.task) continue;
        const r = await runner.runPass(task, abort.signal);
        process.stdout.write(`${r.source} ${r.task}: ${r.rows} new rows from ${r.markets} market(s) in ${r.durationMs} ms${r.errors.length ? `, ${r.errors.length} error(s)` : ''}\n`);
        for (const e of r.errors) process.stderr.write(`  ${e.market ?? ''}: ${e.error}\n`);
        failed ||= r.errors.length > 0;
      }
      await source.close?.();
      if (failed) process.exitCode = 1;
    } finally {
      await db.close();
    }
  });

program.command('config')
  .description('validate the configuration and print it as Wick sees it (secrets redacted)')
  .addOption(configOption())
  .action(async (opts) => {
    const { config, file } = await load(opts);
    const shown = redactSecrets(config);
    process.stdout.write(`# ${file ?? 'built-in defaults'}: valid\n${JSON.stringify(shown, null, 2)}\n`);
  });

registerOpsCommands(program, load, configOption);

const users = program.command('users').description('manage user accounts');
users.command('create')
  .description('create a (verified) account, e.g. the first admin: wick users create --admin --email you@example.com')
  .requiredOption('--email <address>', 'e-mail address (the login)')
  .option('--password <password>', 'password (at least 10 characters); default: a random one, printed once')
  .option('--admin', 'give the account the admin role (manages every rule, sees the jobs stream)')
  .addOption(configOption())
  .action(async (opts) => {
    const { config } = await load(opts);
    await withDatabase(config, 'users', async (db) => {
      const password = opts.password ?? randomBytes(12).toString('base64url');
      const user = await createUser(db.pool, { email: opts.email, password, role: opts.admin ? 'admin' : 'user', verified: true })
        .catch((e: unknown) => {
          throw e instanceof AccountError ? new UsageError(`--${e.field}: ${e.message}`) : e;
        });
      process.stdout.write(`created ${user.role} ${user.email} (id ${user.id})${opts.password ? '' : `\npassword: ${password}`}\n`);
    }, { migrate: true });
  });

const retention = program.command('retention').description('retention and downsampling as analytics.retention declares');
for (const [name, description, apply] of [['plan', 'show what a retention run would remove or coalesce now, changing nothing', false], ['run', 'apply retention once now', true]] as const) {
  retention.command(name)
    .description(description)
    .addOption(configOption())
    .action(async (opts) => {
      const { config } = await load(opts);
      await withDatabase(config, 'retention', async (db) => {
        const steps = apply ? await runRetention(db.pool, config.analytics) : await planRetention(db.pool, config.analytics);
        process.stdout.write(`${formatPlan(steps)}\n`);
      }, { migrate: true });
    });
}

class UsageError extends Error {}

registerJobCommands(program, { configOption, load, usage: (m) => new UsageError(m) });

program.parseAsync().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof UsageError) {
    process.stderr.write(`wick: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`wick: ${(e as Error).message ?? String(e)}\n`);
  process.exit(1);
});
