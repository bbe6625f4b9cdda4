// `wick keys create|list|revoke`.
import { Option, type Command } from 'commander';
import type { Loader } from '../ops/cli.js';
import { withDatabase } from '../db/index.js';
import { createApiKey, listApiKeys, revokeApiKey, SCOPES, type ApiKeyInfo, type Scope } from './api-keys.js';

export function describeKey(k: ApiKeyInfo): string {
  const rate = k.rate_limit === null ? 'unlimited' : `${k.rate_limit}/${k.rate_window_s === 60 ? 'min' : `${k.rate_window_s}s`}`;
  const quota = k.monthly_quota === null ? 'no quota' : `${k.used_this_month}/${k.monthly_quota} this month`;
  return `${String(k.id).padStart(4)}  ${k.prefix}…  ${k.scope.padEnd(5)}  ${rate.padEnd(10)}  ${quota.padEnd(22)}  ${k.revoked_at ? `revoked ${k.revoked_at}` : `last used ${k.last_used_at ?? 'never'}`}${k.name ? `  "${k.name}"` : ''}`;
}

export function registerKeyCommands(program: Command, load: Loader, configOption: () => Option): void {
  const keys = program.command('keys').description('manage API keys (scopes read < write < admin, rate limits, monthly quotas)');
  keys.command('create')
    .description('create an API key and print it (the only time it is shown)')
    .addOption(new Option('--scope <scope>', 'what the key may do').choices([...SCOPES]).default('read'))
    .option('--rate <rate>', 'rate limit, e.g. 30/min, 5/s, 1000/hour (default: unlimited)')
    .option('--quota <quota>', 'monthly quota, e.g. 10000/month (default: none)')
    .option('--name <name>', 'a label to recognise the key by')
    .addOption(configOption())
    .action(async (opts) => {
      const loaded = await load(opts);
      await withDatabase(loaded.config, 'keys', async (db) => {
        const { key, info } = await createApiKey(db.pool, { scope: opts.scope as Scope, rate: opts.rate, quota: opts.quota, name: opts.name });
        process.stdout.write(`${key}\n`);
        process.stderr.write(`created key ${info.id} (scope ${info.scope}); store it now, it cannot be shown again\n`);
      }, { migrate: true });
    });
  keys.command('list')
    .description('list API keys (never their secrets)')
    .option('--all', 'include revoked keys')
    .addOption(configOption())
    .action(async (opts) => {
      const loaded = await load(opts);
      await withDatabase(loaded.config, 'keys', async (db) => {
        const list = await listApiKeys(db.pool, { includeRevoked: Boolean(opts.all) });
        process.stdout.write(list.length ? `${list.map(describeKey).join('\n')}\n` : 'no API keys\n');
      }, { migrate: true });
    });
  keys.command('revoke')
    .description('revoke an API key at once (on every API replica)')
    .argument('<id>', 'key id (from wick keys list)')
    .addOption(configOption())
    .action(async (id: string, opts) => {
      const loaded = await load(opts);
      await withDatabase(loaded.config, 'keys', async (db) => {
        if (!/^\d+$/.test(id) || !(await revokeApiKey(db.pool, Number(id)))) {
          process.stderr.write(`wick: no active API key with id ${id}\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`revoked key ${id}\n`);
      }, { migrate: true });
    });
}
