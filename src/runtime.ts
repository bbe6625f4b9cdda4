// Starting and stopping Wick in a role: "all" (API + ingest in one process), "api", or
// "worker" (ingest only). Shutdown runs in order: stop taking work, finish in-flight
// writes, close the API, close the pool, stop the embedded Postgres.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { analyticsJobs } from './analytics/jobs.js';
import { buildApi } from './api/app.js';
import type { LoadedConfig } from './config/load.js';
import { openDatabase, type Database } from './db/index.js';
import { migrate } from './db/migrate.js';
import type { BossRunner } from './jobs/boss-runner.js';
import { buildIngestJobs, enforceBudget, startScheduler } from './jobs/setup.js';
import { createLogger } from './log.js';
import { createSource } from './sources/registry.js';
import type { Source } from './sources/types.js';
import { attachPool } from './ops/metrics.js';
import { startMetricsServer } from './ops/metrics-server.js';
import { instrumentJobs, opsJobs } from './ops/jobs.js';
import { flushSentry, initSentry } from './ops/sentry.js';
import { AlertEngine } from './alerts/engine.js';
import { syncConfigRules } from './alerts/rules.js';
import { signingKey } from './auth/tokens.js';
import { Mailer } from './mail/mailer.js';
import { startRealtime, type Realtime } from './realtime/index.js';
import { announceJobRuns } from './realtime/job-events.js';

export type Role = 'all' | 'api' | 'worker';

export interface RunningWick {
  db: Database;
  log: Logger;
  api: FastifyInstance | null;
  /** http://host:port when the API runs. */
  url: string | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Defer the lowest-priority jobs instead of refusing a plan above a hard quota (also `budgets.onOverrun: degrade`). */
  degrade?: boolean;
}

export async function startWick(loaded: LoadedConfig, role: Role, log = createLogger(loaded.config.log.level, loaded.config.log.pretty), opts: StartOptions = {}): Promise<RunningWick> {
  const { config } = loaded;
  const db = await openDatabase(config, log, role);
  let runner: BossRunner | null = null;
  let sources: Source[] = [];
  let api: FastifyInstance | null = null;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
  let realtime: Realtime | null = null;
  let alerts: AlertEngine | null = null;
  const mailer = new Mailer(config.mail, log.child({ component: 'mail' }));
  let url: string | null = null;
  const publicUrl = () => config.mail.publicUrl ?? url ?? `http://${config.server.host}:${config.server.port}`;
  try {
    await initSentry(config.ops.sentry, log);
    attachPool(db.pool);
    const applied = await migrate(db.pool);
    if (applied.length) log.info({ applied }, 'migrations applied');

    realtime = await startRealtime(db.pool, config, log.child({ component: 'realtime' }));
    if (role !== 'api') {
      sources = await Promise.all(config.sources.map((s) => createSource(s, loaded.baseDir)));
      await syncConfigRules(db.pool, config.alerts.rules);
      alerts = new AlertEngine(db.pool, realtime.bus, mailer, config.alerts, log.child({ component: 'alerts' }), publicUrl, () => signingKey(db.pool, config.users.secret));
      const ingest = await buildIngestJobs(config, sources, db.pool, log.child({ component: 'ingest' }), loaded.file, realtime.publisher);
      await enforceBudget(ingest, config, loaded.file, opts.degrade === true || config.budgets.onOverrun === 'degrade', log.child({ component: 'budgets' }));
      const jobs = announceJobRuns(instrumentJobs([...ingest, ...opsJobs(config), ...alerts.jobs(), ...analyticsJobs(config)]), realtime.bus);
      runner = await startScheduler(jobs, config, db.pool, log.child({ component: 'jobs' }));
      if (sources.length === 0) log.warn('no sources configured: nothing will be ingested (see examples/ and the README)');
    }
    if (role !== 'worker') {
      api = await buildApi({ pool: db.pool, config, log, realtime, mailer, publicUrl });
      await api.listen({ host: config.server.host, port: config.server.port });
      const addr = api.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.server.port;
      url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
    }
    const metricsPort = process.env.WICK_METRICS_PORT ? Number(process.env.WICK_METRICS_PORT) : config.ops.workerMetricsPort;
    if (role === 'worker' && metricsPort !== undefined && Number.isInteger(metricsPort)) {
      metricsServer = await startMetricsServer(config.server.host, metricsPort);
      log.info({ url: `${metricsServer.url}/metrics` }, 'worker metrics listening');
    }
    log.info({ role, url, database: db.description, config: loaded.file ?? '(built-in defaults)', sources: config.sources.map((s) => s.id) }, 'wick started');

    let stopping: Promise<void> | null = null;
    return {
      db, log, api, url,
      stop: () => {
        stopping ??= (async () => {
          log.info('shutting down');
          await api?.close(); // stop accepting requests, finish in-flight ones
          await runner?.stop(); // stop fetching, let the batch being written commit
          alerts?.close();
          await realtime?.close(); // sends what ingest handed over, then closes streams
          mailer.close();
          await Promise.allSettled(sources.map((s) => s.close?.()));
          await metricsServer?.close();
          await flushSentry();
          await db.close();
          log.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (e) {
    await api?.close().catch(() => undefined);
    await runner?.stop().catch(() => undefined);
    await realtime?.close().catch(() => undefined);
    mailer.close();
    await Promise.allSettled(sources.map((s) => s.close?.()));
    await metricsServer?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw e;
  }
}
