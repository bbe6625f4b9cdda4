// `wick budget plan` and `wick jobs list|dlq|retry|flush-dlq|run`.
import { Option, type Command } from 'commander';
import type { LoadedConfig } from '../config/load.js';
import { withDatabase } from '../db/index.js';
import { degrade, formatPlan } from '../budgets/plan.js';
import { createLogger } from '../log.js';
import { createSource } from '../sources/registry.js';
import { JobAdmin, UnknownJobError } from './admin.js';
import { budgetPlan, buildIngestJobs } from './setup.js';

interface Helpers {
  configOption: () => Option;
  load: (opts: { config?: string }) => Promise<LoadedConfig>;
  usage: (message: string) => Error;
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));
const out = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

export function registerJobCommands(program: Command, h: Helpers): void {
  program.command('budget')
    .description('provider budgets')
    .command('plan')
    .description('project each provider\'s calls per day and month from the job schedules and current markets/items, against its quota (exit 1 when a hard quota is exceeded)')
    .option('--json', 'print the plan as JSON')
    .addOption(h.configOption())
    .action(async (opts) => {
      const loaded = await h.load(opts);
      await withDatabase(loaded.config, 'budget', async (db) => {
        const log = createLogger('warn', false);
        const sources = await Promise.all(loaded.config.sources.map((s) => createSource(s, loaded.baseDir)));
        try {
          const jobs = await buildIngestJobs(loaded.config, sources, db.pool, log, loaded.file);
          const { uses, plans } = await budgetPlan(jobs, loaded.config);
          const deferred = loaded.config.budgets.onOverrun === 'degrade' ? degrade(uses, loaded.config.providers) : new Map<string, string>();
          if (opts.json) out(JSON.stringify({ providers: plans, deferred: Object.fromEntries(deferred) }, null, 2));
          else out(plans.length ? formatPlan(plans, deferred) : 'no metered providers: no source calls a provider with a budget\n');
          if (plans.some((p) => p.hard && p.overruns.length > 0)) process.exitCode = 1;
        } finally {
          await Promise.allSettled(sources.map((s) => s.close?.()));
        }
      }, { migrate: true });
    });

  const jobs = program.command('jobs').description('inspect and operate the job queues (the same operations as the admin API)');
  const admin = (name: string, description: string) => jobs.command(name).description(description).addOption(h.configOption());
  const run = async (opts: { config?: string }, fn: (a: JobAdmin) => Promise<void>) => {
    const loaded = await h.load(opts);
    await withDatabase(loaded.config, 'jobs', async (db) => {
      const a = new JobAdmin(db.pool);
      try {
        await fn(a);
      } catch (e) {
        if (e instanceof UnknownJobError) throw h.usage(e.message);
        throw e;
      } finally {
        await a.close();
      }
    }, { migrate: true });
  };

  admin('list', 'jobs with schedule, last run, last success, rows, calls, next run, last error and queue').option('--json', 'print JSON')
    .action((opts) => run(opts, async (a) => {
      const list = await a.list();
      if (opts.json) return out(JSON.stringify(list, null, 2));
      if (list.length === 0) return out('no jobs registered yet (they appear once `wick start` or `wick worker` has run)');
      for (const j of list) {
        out(`${j.name}  [${j.schedule}, priority ${j.priority}]${j.deferred ? `  DEFERRED: ${j.deferred}` : ''}`);
        out(`  last run ${iso(j.last_run_at)} (${j.last_duration_ms ?? '-'} ms, ${j.last_rows ?? '-'} rows, ${j.last_calls ?? '-'} calls), last success ${iso(j.last_success_at)}, next ${iso(j.next_run_at)}; runs ${j.runs}, failures ${j.failures}; queued ${j.queued}, retrying ${j.retrying}, active ${j.active}`);
        if (j.last_error) out(`  last error ${iso(j.last_error_at)}: ${j.last_error}`);
      }
    }));

  admin('dlq', 'list the dead-letter queue (runs that exhausted their retries) with their errors').option('--json', 'print JSON')
    .action((opts) => run(opts, async (a) => {
      const letters = await a.deadLetters();
      if (opts.json) return out(JSON.stringify(letters, null, 2));
      if (letters.length === 0) return out('the dead-letter queue is empty');
      for (const l of letters) out(`${l.id}  ${l.job}  failed ${iso(l.failed_at)}: ${l.error}`);
    }));

  admin('retry', 'move a dead letter (or all) back to its job queue; if it fails again it returns to the dead-letter queue')
    .argument('[id]', 'dead letter id (from `wick jobs dlq`)')
    .option('--all', 'every dead letter')
    .action((id: string | undefined, opts) => run(opts, async (a) => {
      if (!id && !opts.all) throw h.usage('give a dead letter id or --all');
      const r = await a.retry(opts.all ? { all: true } : { id: id! });
      out(r.length ? r.map((x) => `${x.id} → ${x.job} (queued as ${x.jobId ?? 'the run already waiting'})`).join('\n') : 'the dead-letter queue is empty');
    }));

  admin('flush-dlq', 'delete every dead letter')
    .action((opts) => run(opts, async (a) => out(`flushed ${await a.flush()} dead letter(s)`)));

  admin('run', 'queue a run of a job now (a worker picks it up)')
    .argument('<job>', 'job name (see `wick jobs list`)')
    .action((job: string, opts) => run(opts, async (a) => {
      const r = await a.run(job);
      out(r.alreadyQueued ? `${job}: a run is already queued (${r.jobId})` : `${job}: queued (${r.jobId})`);
    }));
}
