// Starting and stopping Wick in a role: "all" (API + ingest in one process), "api", or
// "worker" (ingest only). Shutdown runs in order: stop taking work, finish in-flight
// writes, close the API, close the pool, stop the embedded Postgres.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApi } from './api/app.js';
import type { LoadedConfig } from './config/load.js';
import { openDatabase, type Database } from './db/index.js';
import { migrate } from './db/migrate.js';
import { ingestJobs } from './ingest/jobs.js';
import { JobRunner } from './jobs/runner.js';
import { createLogger } from './log.js';
import { createSource } from './sources/registry.js';
import type { Source } from './sources/types.js';

export type Role = 'all' | 'api' | 'worker';

export interface RunningWick {
  db: Database;
  log: Logger;
  api: FastifyInstance | null;
  /** http://host:port when the API runs. */
  url: string | null;
  stop(): Promise<void>;
}

export async function startWick(loaded: LoadedConfig, role: Role, log = createLogger(loaded.config.log.level, loaded.config.log.pretty)): Promise<RunningWick> {
  const { config } = loaded;
  const db = await openDatabase(config, log, role);
  let runner: JobRunner | null = null;
  let sources: Source[] = [];
  let api: FastifyInstance | null = null;
  try {
    const applied = await migrate(db.pool);
    if (applied.length) log.info({ applied }, 'migrations applied');

    if (role !== 'api') {
      sources = await Promise.all(config.sources.map((s) => createSource(s, loaded.baseDir)));
      const jobs = await ingestJobs(sources, db.pool, log.child({ component: 'ingest' }));
      runner = new JobRunner(jobs, db.pool, log.child({ component: 'jobs' }));
      runner.start();
      if (sources.length === 0) log.warn('no sources configured: nothing will be ingested (see examples/ and the README)');
    }
    let url: string | null = null;
    if (role !== 'worker') {
      api = await buildApi({ pool: db.pool, config, log });
      await api.listen({ host: config.server.host, port: config.server.port });
      const addr = api.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.server.port;
      url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
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
          await Promise.allSettled(sources.map((s) => s.close?.()));
          await db.close();
          log.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (e) {
    await api?.close().catch(() => undefined);
    await runner?.stop().catch(() => undefined);
    await Promise.allSettled(sources.map((s) => s.close?.()));
    await db.close().catch(() => undefined);
    throw e;
  }
}
