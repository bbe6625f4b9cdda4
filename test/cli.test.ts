// The CLI as a user runs it: `wick start` on the embedded Postgres with a live replay,
// Ctrl-C, restart with the data kept, recovery after kill -9, and `wick ingest` killed
// mid-batch then re-run, which must leave exactly the rows of an uninterrupted run.
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runWick, spawnWick } from './helpers/cli.js';
import { createTestDatabase } from './helpers/db.js';
import { fixture, xrpEthTrades } from './helpers/fixtures.js';

const raw = xrpEthTrades();
const children: Array<ReturnType<typeof spawnWick>> = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...extra };
  if (!extra.DATABASE_URL) delete e.DATABASE_URL;
  return e;
}

async function started(child: ReturnType<typeof spawnWick>): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const m = /is running: API (http:\/\/[^/\s]+)\/v1/.exec(child.output());
    if (m) return m[1];
    if (child.exitCode !== null) throw new Error(`wick exited early:\n${child.output()}`);
    await sleep(100);
  }
  throw new Error(`wick did not start:\n${child.output()}`);
}

function exited(child: ReturnType<typeof spawnWick>): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

async function tradeCount(url: string): Promise<number> {
  const r = await fetch(`${url}/v1/markets/binance:XRP-ETH/candles?resolution=1d&limit=5000`);
  if (r.status === 404) return 0;
  const body = await r.json() as { candles: Array<{ trades: number }> };
  return body.candles.reduce((s, c) => s + c.trades, 0);
}

async function pgPid(dataDir: string): Promise<number | null> {
  const f = join(dataDir, 'pg', 'postmaster.pid');
  return existsSync(f) ? Number((await readFile(f, 'utf8')).split('\n')[0]) : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('wick start (embedded Postgres, live replay)', () => {
  it('serves live data, stops cleanly on Ctrl-C, keeps data across restarts, and recovers from kill -9', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wick-cli-'));
    await chmod(dir, 0o755); // as root, the embedded server's user must be able to enter it
    const config = join(dir, 'wick.config.yaml');
    await writeFile(config, `server:\n  port: 0\nsources:\n  - id: demo\n    type: replay\n    venue: binance\n    market: XRP/ETH\n    file: ${fixture('market/XRP_ETH-trades.json.gz')}\n    mode: live\n    speed: 60\n    loop: true\n    backdate: 10m\n`);
    const dataDir = join(dir, 'data');
    const e = env({ WICK_DATA_DIR: dataDir });

    const first = spawnWick(['start', '--config', config], { cwd: dir, env: e });
    children.push(first);
    const url = await started(first);
    let n1 = 0;
    for (let i = 0; i < 100 && n1 === 0; i++, await sleep(100)) n1 = await tradeCount(url);
    expect(n1).toBeGreaterThan(1000); // the backdated 10 minutes (10 recorded hours) arrived at once
    let n2 = n1;
    for (let i = 0; i < 100 && n2 === n1; i++, await sleep(200)) n2 = await tradeCount(url);
    expect(n2).toBeGreaterThan(n1); // and more keeps arriving
    const latest = (await (await fetch(`${url}/v1/markets/binance:XRP-ETH/trades?limit=1`)).json()).trades[0];
    expect(Date.now() - latest.time).toBeLessThan(60_000); // "live": rebased to now

    const pid = await pgPid(dataDir);
    expect(pid && alive(pid)).toBe(true);
    first.kill('SIGINT');
    expect(await exited(first)).toBe(0);
    expect(first.output()).toMatch(/embedded Postgres stopped/);
    expect(alive(pid!)).toBe(false);

    // Restart: the data is still there and the replay resumes from its cursor.
    const second = spawnWick(['start', '--config', config], { cwd: dir, env: e });
    children.push(second);
    const url2 = await started(second);
    const n3 = await tradeCount(url2);
    expect(n3).toBeGreaterThanOrEqual(n2);
    // kill -9 leaves the embedded Postgres behind; the next start takes it over.
    const orphan = await pgPid(dataDir);
    second.kill('SIGKILL');
    await exited(second);
    expect(orphan && alive(orphan)).toBe(true);
    const third = spawnWick(['start', '--config', config], { cwd: dir, env: e });
    children.push(third);
    const url3 = await started(third);
    expect(third.output()).toMatch(/stopping an embedded Postgres left running by a previous process/);
    expect(alive(orphan!)).toBe(false);
    expect(await tradeCount(url3)).toBeGreaterThanOrEqual(n3);
    const ids = new Set<string>();
    let cursor = '';
    do {
      const page = await (await fetch(`${url3}/v1/markets/binance:XRP-ETH/trades?limit=5000${cursor}`)).json();
      for (const t of page.trades) {
        expect(ids.has(t.id)).toBe(false);
        ids.add(t.id);
      }
      cursor = page.next_cursor ? `&cursor=${page.next_cursor}` : '';
    } while (cursor);
    third.kill('SIGTERM');
    expect(await exited(third)).toBe(0);
  }, 120_000);
});

describe('wick ingest', () => {
  it('killed mid-batch and re-run, leaves exactly the rows of an uninterrupted run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wick-cli-'));
    const config = join(dir, 'wick.config.yaml');
    await writeFile(config, `sources:\n  - id: fx\n    type: replay\n    venue: binance\n    market: XRP/ETH\n    file: ${fixture('market/XRP_ETH-trades.json.gz')}\n    batchSize: 40\n`);
    const clean = await createTestDatabase({ migrate: false });
    const killed = await createTestDatabase({ migrate: false });
    try {
      const ok = await runWick(['ingest', 'fx', '--config', config], { cwd: dir, env: env({ DATABASE_URL: clean.url }) });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(`fx trades: ${raw.length} new rows from 1 market(s)`);

      const child = spawnWick(['ingest', 'fx', '--config', config], { cwd: dir, env: env({ DATABASE_URL: killed.url }) });
      children.push(child);
      let before = 0;
      for (let i = 0; i < 1000; i++) {
        await sleep(10);
        const r = await killed.pool.query(`SELECT count(*)::int AS n FROM trades`).catch(() => ({ rows: [{ n: 0 }] }));
        before = r.rows[0].n;
        if (before > 2000) break;
      }
      child.kill('SIGKILL');
      await exited(child);
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(raw.length);
      const after = await killed.pool.query(`SELECT count(*)::int AS n, (SELECT cursor->>'index' FROM source_cursors) AS idx FROM trades`);
      // What was committed is whole batches, and the cursor says exactly how far.
      expect(after.rows[0].n).toBe(Number(after.rows[0].idx));

      const rerun = await runWick(['ingest', 'fx', '--config', config], { cwd: dir, env: env({ DATABASE_URL: killed.url }) });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toMatch(`fx trades: ${raw.length - after.rows[0].n} new rows`);

      const digest = `SELECT (SELECT md5(string_agg(format('%s|%s|%s|%s|%s', ts, trade_id, price, amount, side), ',' ORDER BY ts, trade_id)) FROM trades) AS t,
                             (SELECT md5(string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s', resolution, ts, open, high, low, close, volume, quote_volume, trades), ',' ORDER BY resolution, ts)) FROM candles) AS c`;
      expect((await killed.pool.query(digest)).rows[0]).toEqual((await clean.pool.query(digest)).rows[0]);
    } finally {
      await clean.drop();
      await killed.drop();
    }
  }, 120_000);

  it('runs against an external server given by DATABASE_URL', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const r = await runWick(['migrate'], { env: env({ DATABASE_URL: db.url }) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^applied: 0001_core, 0002_/);
      expect((await runWick(['migrate'], { env: env({ DATABASE_URL: db.url }) })).stdout).toBe('database is up to date\n');
      const bad = await runWick(['migrate'], { env: env({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }) });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^wick: cannot connect to the database at postgres:\/\/nobody@127\.0\.0\.1:1\/none: /);
    } finally {
      await db.drop();
    }
  });
});
