// The operations commands as a user runs them: wick backup / backup list / restore (and its
// refusal over data), and SIGTERM shutting `wick api` and `wick worker` down cleanly, the
// worker serving /metrics on its own listener.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/auth/api-keys.js';
import { upsertMarkets, upsertVenue } from '../src/ingest/catalog.js';
import { writeTrades } from '../src/ingest/writers.js';
import { runWick, spawnWick } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { tableHashes } from './helpers/table-hash.js';

let src: TestDatabase;
const dbs: TestDatabase[] = [];
const children: Array<ReturnType<typeof spawnWick>> = [];

beforeAll(async () => {
  src = await createTestDatabase();
  await upsertVenue(src.pool, 'binance', 'exchange');
  const refs = await upsertMarkets(src.pool, [{ venue: 'binance', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT' } as never]);
  const pk = refs.get('BTC/USDT')!.pk;
  await writeTrades(src.pool, pk, Array.from({ length: 500 }, (_, i) => ({ ts: 1_700_000_000_000 + i * 1000, id: String(i), price: `${100 + i}.5`, amount: '0.25', side: i % 2 ? 'buy' : 'sell' })) as never, 'cli', 'trades:binance:BTC-USDT', { i: 500 });
  await createApiKey(src.pool, { scope: 'admin' });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all([src, ...dbs].map((d) => d?.drop()));
});

const env = (url: string, extra: Record<string, string> = {}) => ({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'info', ...extra });

describe('wick backup / restore', () => {
  it('backs up, lists, restores into an empty database and refuses a non-empty one', async () => {
    const data = await mkdtemp(join(tmpdir(), 'wick-cli-backup-'));
    const made = await runWick(['backup'], { env: env(src.url, { WICK_DATA_DIR: data }) });
    expect(made.code, made.stderr).toBe(0);
    const name = /^backup (wick-\S+\.backup\.gz): (\d+) rows/.exec(made.stdout)!;
    expect(made.stdout).toContain(`-> ${join(data, 'backups', name[1])}`);
    const list = await runWick(['backup', 'list'], { env: env(src.url, { WICK_DATA_DIR: data }) });
    expect(list.stdout).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+[\\d.]+ MB\\s+${join(data, 'backups', name[1]).replace(/[.]/g, '\\.')}$`, 'm'));

    const target = await createTestDatabase({ migrate: false });
    dbs.push(target);
    const restored = await runWick(['restore', join(data, 'backups', name[1])], { env: env(target.url, { WICK_DATA_DIR: data }) });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(new RegExp(`^restored ${name[2]} rows in \\d+ tables`));
    const { wick_backups: _a, ...want } = await tableHashes(src.pool);
    const { wick_backups: _b, ...got } = await tableHashes(target.pool);
    expect(got).toEqual(want);
    expect(got.trades.rows).toBe(500);

    const refused = await runWick(['restore', name[1]], { env: env(src.url, { WICK_DATA_DIR: data }) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^wick: the target database is not empty \(tables with rows: .*trades.*\); restore into a new, empty database/);
    const missing = await runWick(['restore', 'nope.backup.gz'], { env: env(target.url, { WICK_DATA_DIR: data }) });
    expect(missing.stderr).toMatch(/backup not found: nope\.backup\.gz/);
  });
});

async function waitFor(child: ReturnType<typeof spawnWick>, re: RegExp): Promise<RegExpExecArray> {
  for (let i = 0; i < 300; i++) {
    const m = re.exec(child.output());
    if (m) return m;
    if (child.exitCode !== null) throw new Error(`wick exited early:\n${child.output()}`);
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${re}:\n${child.output()}`);
}

const exited = (c: ReturnType<typeof spawnWick>) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

describe('SIGTERM', () => {
  it('stops wick api and wick worker cleanly; the worker serves /metrics on WICK_METRICS_PORT', async () => {
    const apiProc = spawnWick(['api'], { env: env(src.url, { PORT: '0' }) });
    children.push(apiProc);
    const [, url] = await waitFor(apiProc, /is running: API (http:\/\/[^/\s]+)\/v1/);
    const inflight = fetch(`${url}/v1/markets`);
    const worker = spawnWick(['worker'], { env: env(src.url, { WICK_METRICS_PORT: '0' }) });
    children.push(worker);
    const [, murl] = await waitFor(worker, /"url":"(http:\/\/[^"]+)\/metrics"/);
    const metrics = await (await fetch(`${murl}/metrics`)).text();
    expect(metrics).toMatch(/^wick_db_pool_connections\{state="total"\} [1-9]/m);
    expect(metrics).toMatch(/^wick_process_resident_memory_bytes /m);
    expect((await inflight).status).toBe(200);
    apiProc.kill('SIGTERM');
    worker.kill('SIGTERM');
    expect(await exited(apiProc)).toBe(0);
    expect(await exited(worker)).toBe(0);
    for (const c of [apiProc, worker]) {
      expect(c.output()).toMatch(/"signal":"SIGTERM".*signal received/);
      expect(c.output()).toMatch(/"msg":"stopped"/);
    }
  });
});
