// Jobs and sources: their state (public, read-only), and the admin operations (run now,
// dead-letter queue) behind the admin token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { quotaUsage } from '../../../budgets/limiter.js';
import { JobAdmin, UnknownJobError } from '../../../jobs/admin.js';
import { HttpError, notFound } from '../../errors.js';
import { credentialSecurity, errors, Nullable } from '../../schemas.js';
import type { ApiContext } from '../../app.js';

const ms = (d: string) => Nullable(Type.Integer({ description: `${d}, epoch ms` }));

const Job = Type.Object({
  name: Type.String(),
  source: Nullable(Type.String()),
  description: Type.String(),
  schedule: Type.String({ description: '"every 1m", "cron 0 3 * * * (Europe/Berlin)" or "continuous"' }),
  priority: Type.Integer(),
  deferred: Nullable(Type.String({ description: 'Why the job is not scheduled (budget degradation); null when active' })),
  last_run_at: ms('Start of the last run'),
  last_success_at: ms('End of the last successful run'),
  last_duration_ms: Nullable(Type.Integer()),
  last_rows: Nullable(Type.Integer({ description: 'Rows written by the last run' })),
  last_calls: Nullable(Type.Number({ description: 'Provider units spent by the last run' })),
  last_error: Nullable(Type.String()),
  last_error_at: ms('Time of the last error'),
  runs: Type.Integer(),
  failures: Type.Integer(),
  next_run_at: ms('When the schedule next fires'),
  queued: Type.Integer({ description: 'Runs waiting in the queue' }),
  retrying: Type.Integer({ description: 'Runs waiting to be retried' }),
  active: Type.Integer({ description: 'Runs in progress' }),
});

const DeadLetter = Type.Object({
  id: Type.String(),
  job: Type.String(),
  error: Type.String(),
  failed_at: Type.Integer({ description: 'Epoch ms' }),
  data: Type.Record(Type.String(), Type.Unknown()),
});

const JobParams = Type.Object({ job: Type.String({ description: 'Job name, e.g. ingest:binance:trades' }) });
const RunAnswer = Type.Object({ success: Type.Boolean(), jobId: Type.String(), alreadyQueued: Type.Boolean({ description: 'True when a run was already waiting (a job never queues twice)' }) });
const RetryAnswer = Type.Object({ retried: Type.Array(Type.Object({ id: Type.String(), job: Type.String(), jobId: Nullable(Type.String()) })) });

export const jobRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const admin = new JobAdmin(ctx.pool);
  app.addHook('onClose', async () => admin.close());
  const secured = { security: credentialSecurity, tags: ['admin'] };
  const translate = (e: unknown): never => {
    if (e instanceof UnknownJobError) throw notFound(e.message);
    throw e;
  };
  const runNow = async (job: string) => {
    const r = await admin.run(job).catch(translate);
    return { success: true, jobId: r.jobId, alreadyQueued: r.alreadyQueued };
  };

  app.get('/jobs', {
    schema: {
      summary: 'Jobs with their schedule, state and queue',
      tags: ['operations'],
      response: { 200: Type.Object({ jobs: Type.Array(Job) }) },
    },
  }, async () => ({ jobs: await admin.list() }));

  app.get('/sources', {
    schema: {
      summary: 'Configured sources with the state of their jobs and their provider quota use',
      tags: ['operations'],
      response: {
        200: Type.Object({
          sources: Type.Array(Type.Object({
            id: Type.String(),
            type: Type.String(),
            provider: Nullable(Type.String()),
            quota_used_today: Nullable(Type.Number()),
            quota_used_this_month: Nullable(Type.Number()),
            last_run_at: ms('Latest run of any of its jobs'),
            last_success_at: ms('Latest successful run'),
            last_error: Nullable(Type.String()),
            rows: Type.Integer({ description: 'Rows written by the last run of each job, summed' }),
            calls: Type.Number({ description: 'Provider units spent by the last run of each job, summed' }),
            next_run_at: ms('Earliest next run'),
            jobs: Type.Array(Type.String()),
          })),
        }),
      },
    },
  }, async () => {
    const jobs = await admin.list();
    const usage = await quotaUsage(ctx.pool, ctx.config.providers);
    const max = (xs: Array<number | null>) => xs.reduce<number | null>((m, x) => (x !== null && (m === null || x > m) ? x : m), null);
    return {
      sources: ctx.config.sources.map((s) => {
        const mine = jobs.filter((j) => j.source === s.id);
        const provider = s.type === 'ccxt' ? (s.provider ?? s.exchange) : s.type === 'http' || s.type === 'subgraph' ? (s.provider ?? s.id)
          : s.type === 'evm' ? (s.chain.provider ?? s.id) : s.type === 'komodo' && s.rpc ? (s.rpc.provider ?? s.id) : null;
        const latestError = [...mine].filter((j) => j.last_error_at !== null).sort((a, b) => b.last_error_at! - a.last_error_at!)[0];
        const nexts = mine.map((j) => j.next_run_at).filter((x): x is number => x !== null);
        return {
          id: s.id, type: s.type, provider,
          quota_used_today: provider ? (usage.get(provider)?.day ?? 0) : null,
          quota_used_this_month: provider ? (usage.get(provider)?.month ?? 0) : null,
          last_run_at: max(mine.map((j) => j.last_run_at)),
          last_success_at: max(mine.map((j) => j.last_success_at)),
          last_error: latestError && (latestError.last_success_at ?? 0) < latestError.last_error_at! ? latestError.last_error : null,
          rows: mine.reduce((n, j) => n + (j.last_rows ?? 0), 0),
          calls: mine.reduce((n, j) => n + (j.last_calls ?? 0), 0),
          next_run_at: nexts.length ? Math.min(...nexts) : null,
          jobs: mine.map((j) => j.name),
        };
      }),
    };
  });

  app.post('/jobs/:job/run', {
    config: { scope: 'admin' },
    schema: { summary: 'Run a job now (webhook trigger; admin token)', ...secured, params: JobParams, response: { 200: RunAnswer, ...errors(401, 403, 404) } },
  }, async (req) => runNow(req.params.job));

  app.get('/admin/jobs', {
    config: { scope: 'admin' },
    schema: { summary: 'Jobs with their state (admin)', ...secured, response: { 200: Type.Object({ jobs: Type.Array(Job) }), ...errors(401, 403) } },
  }, async () => ({ jobs: await admin.list() }));

  app.post('/admin/jobs/:job/run', {
    config: { scope: 'admin' },
    schema: { summary: 'Run a job now (admin)', ...secured, params: JobParams, response: { 200: RunAnswer, ...errors(401, 403, 404) } },
  }, async (req) => runNow(req.params.job));

  app.get('/admin/jobs/dlq', {
    config: { scope: 'admin' },
    schema: { summary: 'Dead-letter queue: runs that exhausted their retries, with their errors', ...secured, response: { 200: Type.Object({ deadLetters: Type.Array(DeadLetter) }), ...errors(401, 403) } },
  }, async () => ({ deadLetters: await admin.deadLetters() }));

  app.post('/admin/jobs/dlq/retry', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Move dead letters back to their job queue (one by id, or all)',
      ...secured,
      body: Type.Object({ id: Type.Optional(Type.String()), all: Type.Optional(Type.Boolean()) }),
      response: { 200: RetryAnswer, ...errors(400, 401, 404, 503) },
    },
  }, async (req) => {
    const { id, all } = req.body ?? {};
    if (!id && all !== true) throw new HttpError(400, 'body: give "id" (a dead letter id) or "all": true', 'id');
    return { retried: await admin.retry(all === true ? { all: true } : { id: id! }).catch(translate) };
  });

  app.post('/admin/jobs/dlq/:id/retry', {
    config: { scope: 'admin' },
    schema: { summary: 'Move one dead letter back to its job queue', ...secured, params: Type.Object({ id: Type.String() }), response: { 200: RetryAnswer, ...errors(401, 403, 404) } },
  }, async (req) => ({ retried: await admin.retry({ id: req.params.id }).catch(translate) }));

  app.delete('/admin/jobs/dlq', {
    config: { scope: 'admin' },
    schema: { summary: 'Flush the dead-letter queue', ...secured, response: { 200: Type.Object({ flushed: Type.Integer() }), ...errors(401, 403) } },
  }, async () => ({ flushed: await admin.flush() }));
};

