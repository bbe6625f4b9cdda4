// Deployment files, tested without Docker: the image's entrypoint script and healthcheck run
// directly against the built Wick (dist/, as in the image), and the Dockerfile and
// docker-compose.yml are checked against the repository they are built from.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { PROJECT_ROOT } from './helpers/fixtures.js';

const ENTRYPOINT = join(PROJECT_ROOT, 'docker/entrypoint.sh');
const HEALTHCHECK = join(PROJECT_ROOT, 'docker/healthcheck.mjs');
let db: TestDatabase;

beforeAll(async () => {
  if (!existsSync(join(PROJECT_ROOT, 'dist/cli.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm install/ci does it)');
  db = await createTestDatabase();
});
afterAll(async () => db?.drop());

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, WICK_HOME: PROJECT_ROOT, ...extra };
  return env;
}
const run = (args: string[], env: Record<string, string>) => spawnSync('sh', [ENTRYPOINT, ...args], { env: baseEnv(env), encoding: 'utf8', timeout: 60_000 });

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

describe('docker/entrypoint.sh', () => {
  it('reads secrets from *_FILE variables and runs wick commands', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wick-entry-'));
    const secret = join(dir, 'db_url');
    const withPassword = new URL(db.url);
    if (!withPassword.password) withPassword.password = 's3cret'; // trust auth ignores it
    const password = withPassword.password;
    await writeFile(secret, `${withPassword}\n`);
    const r = run(['config'], { DATABASE_URL_FILE: secret });
    expect(r.status, r.stderr).toBe(0);
    const shown = JSON.parse(r.stdout.slice(r.stdout.indexOf('\n') + 1));
    withPassword.password = '***';
    expect(shown.database.url).toBe(withPassword.toString());
    expect(r.stdout).not.toContain(password);
    expect(run(['migrate'], { DATABASE_URL_FILE: secret }).stdout).toBe('database is up to date\n');
    // Secrets referenced from the config file are redacted by `wick config` too.
    const cfg = join(dir, 'wick.yaml');
    await writeFile(cfg, 'backup:\n  s3:\n    bucket: b\n    accessKeyId: ${S3_KEY}\n    secretAccessKey: ${S3_SECRET}\nops:\n  sentry:\n    dsn: ${DSN}\n');
    const shownCfg = run(['config'], { WICK_CONFIG: cfg, S3_KEY: 'AKIAEXAMPLE', S3_SECRET: 'topsecretvalue', DSN: 'https://k@sentry.example/1' });
    expect(shownCfg.status, shownCfg.stderr).toBe(0);
    const parsed = JSON.parse(shownCfg.stdout.slice(shownCfg.stdout.indexOf('\n') + 1));
    expect(parsed.backup.s3).toMatchObject({ bucket: 'b', accessKeyId: '***', secretAccessKey: '***' });
    expect(parsed.ops.sentry.dsn).toBe('***');
    expect(shownCfg.stdout).not.toMatch(/AKIAEXAMPLE|topsecretvalue|sentry\.example/);
  });

  it('refuses ambiguous or missing settings with a clear message, and runs other commands as given', async () => {
    const both = run(['config'], { DATABASE_URL: 'postgres://a@b/c', DATABASE_URL_FILE: '/etc/hostname' });
    expect(both.status).toBe(2);
    expect(both.stderr).toBe('entrypoint: both DATABASE_URL and DATABASE_URL_FILE are set; use one\n');
    const unreadable = run(['config'], { SENTRY_DSN_FILE: '/nonexistent/dsn' });
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toMatch(/SENTRY_DSN_FILE=\/nonexistent\/dsn is not a readable file/);
    const noDb = run(['api'], {});
    expect(noDb.status).toBe(2);
    expect(noDb.stderr).toMatch(/set DATABASE_URL/);
    expect(run(['echo', 'hello'], {}).stdout).toBe('hello\n');
    expect(run(['--version'], {}).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('starts the API (the image default), which the HEALTHCHECK script sees healthy until SIGTERM stops it', async () => {
    const port = await freePort();
    const child = spawn('sh', [ENTRYPOINT], { env: baseEnv({ DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' }) });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      for (let i = 0; i < 300 && !out.includes('is running'); i++) await sleep(100);
      expect(out).toContain(`API http://127.0.0.1:${port}/v1`);
      const healthy = spawnSync(process.execPath, [HEALTHCHECK], { env: baseEnv({ PORT: String(port) }), encoding: 'utf8' });
      expect(healthy.status, healthy.stderr).toBe(0);
      child.kill('SIGTERM'); // exec: the signal reaches wick itself, not a shell
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(0);
      const down = spawnSync(process.execPath, [HEALTHCHECK], { env: baseEnv({ PORT: String(port) }), encoding: 'utf8' });
      expect(down.status).toBe(1);
      expect(down.stderr).toMatch(new RegExp(`http://127.0.0.1:${port}/healthz`));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('Dockerfile and docker-compose.yml', () => {
  it('copy only files that exist, run as non-root with a healthcheck, and define postgres, api and worker', () => {
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/).slice(0, -1));
    expect(copied.length).toBeGreaterThan(5);
    for (const path of copied) expect(existsSync(join(PROJECT_ROOT, path)), path).toBe(true);
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*healthcheck\.mjs/m);
    const compose = YAML.parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'));
    expect(Object.keys(compose.services)).toEqual(['postgres', 'api', 'worker']);
    expect(compose.services.api.command).toEqual(['api']);
    expect(compose.services.worker.command).toEqual(['worker']);
    for (const s of ['api', 'worker']) expect(compose.services[s].environment.DATABASE_URL).toMatch(/@postgres:5432\//);
  });
});
