// Backups: data ingested from the replay fixtures is backed up, restored into a fresh
// database and compared table by table, row for row; S3 storage, rotation, listing and
// refusal to restore over data.
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/auth/api-keys.js';
import { parseConfig } from '../src/config/load.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { writeMetrics, writeOrderBooks, writeTickers } from '../src/ingest/writers.js';
import { backupConfigSchema, listBackups, restoreBackup, RestoreRefused, runBackup } from '../src/ops/backup/index.js';
import { toDelete } from '../src/ops/backup/rotation.js';
import { renderMetrics } from '../src/ops/metrics.js';
import { attachPool } from '../src/ops/metrics.js';
import { createSource } from '../src/sources/registry.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { FIXTURES, xrpEthTrades } from './helpers/fixtures.js';
import { s3Server, type FakeS3 } from './helpers/s3.js';
import { tableHashes } from './helpers/table-hash.js';

const log = pino({ level: 'silent' });
const raw = xrpEthTrades();
let src: TestDatabase;
const dbs: TestDatabase[] = [];
let s3: FakeS3;
let dir: string;

beforeAll(async () => {
  src = await createTestDatabase();
  s3 = await s3Server();
  dir = await mkdtemp(join(tmpdir(), 'wick-backup-'));
  const cfg = parseConfig({ sources: [{ id: 'rp', type: 'replay', venue: 'binance', market: 'XRP/ETH', file: 'market/XRP_ETH-trades.json.gz' }] });
  const runner = new SourceRunner(await createSource(cfg.sources[0], FIXTURES), src.pool, log);
  const pass = await runner.runPass({ kind: 'trades', every: null }, new AbortController().signal);
  expect(pass.rows).toBe(raw.length);
  // Rows in the other tables too (jsonb, numeric, identity columns, text with tabs/newlines/backslashes).
  const pk = (await src.pool.query('SELECT pk FROM markets')).rows[0].pk as number;
  await writeTickers(src.pool, [{ marketPk: pk, ticker: { ts: raw[0][0], last: '0.0001', bid: '0.00009', ask: '0.00011', high: null, low: null, open: null, baseVolume: '12.5', quoteVolume: null, vwap: null, changePercent: '-1.5' } as never }]);
  await writeOrderBooks(src.pool, [{ marketPk: pk, book: { ts: raw[0][0], bids: [['0.0001', '5']], asks: [['0.00011', '7.25']] } as never }]);
  await writeMetrics(src.pool, [{ name: 'floor\tprice', labels: { collection: 'a\\b\nc' }, ts: raw[0][0], value: '1.5' }, { name: 'floor\tprice', labels: { collection: 'a\\b\nc' }, ts: raw[0][0] + 60_000, value: '2' }] as never, 'rp', 'metrics:rp', { n: 1 });
  await createApiKey(src.pool, { scope: 'read', rate: '30/min', quota: '100/month', name: 'tab\there' });
});

afterAll(async () => {
  await Promise.all([src, ...dbs].map((d) => d?.drop()));
  await s3?.close();
});

async function fresh(migrate = false): Promise<TestDatabase> {
  const d = await createTestDatabase({ migrate });
  dbs.push(d);
  return d;
}

describe('backup and restore', () => {
  it('restores every table equal, row for row, into a fresh database, from a local file and from S3', async () => {
    const cfg = backupConfigSchema.parse({ dir, s3: { bucket: 'wick', prefix: 'prod', endpoint: s3.url, accessKeyId: 'AK', secretAccessKey: 'SK' } });
    const before = await tableHashes(src.pool);
    expect(before.trades.rows).toBe(raw.length);
    expect(before.candles.rows).toBeGreaterThan(0);
    expect(before.metric_points.rows).toBe(2);
    const r = await runBackup(src.pool, cfg, '/nonexistent');
    expect(r.tables.trades).toBe(raw.length);
    expect(r.locations).toEqual([join(dir, r.name), `s3://wick/prod/${r.name}`]);
    expect(s3.objects.get(`wick/prod/${r.name}`)!.length).toBe(r.bytes);
    // The file is gzip whose first line is the manifest with the migrations.
    const head = await new Promise<string>((res) => {
      let text = '';
      const s = createReadStream(join(dir, r.name)).pipe(createGunzip());
      s.on('data', (d) => {
        text += d;
        if (text.includes('\n')) { s.destroy(); res(text.split('\n')[0]); }
      });
    });
    const manifest = JSON.parse(head);
    expect(manifest.format).toBe('wick-backup');
    expect(manifest.migrations).toEqual((await src.pool.query('SELECT name FROM wick_migrations ORDER BY name')).rows.map((x) => x.name));
    expect(manifest.tables.indexOf('markets')).toBeGreaterThan(manifest.tables.indexOf('venues')); // referenced first

    const { wick_backups: _recorded, ...expected } = await tableHashes(src.pool);
    for (const location of [join(dir, r.name), `s3://wick/prod/${r.name}`]) {
      const target = await fresh();
      const restored = await restoreBackup(target.pool, location, cfg, '/nonexistent');
      expect(restored.rows.trades).toBe(raw.length);
      const { wick_backups: _none, ...got } = await tableHashes(target.pool);
      expect(got).toEqual(expected);
      expect(Object.keys(got)).toEqual(expect.arrayContaining(['trades', 'candles', 'markets', 'metric_points', 'api_keys', 'source_cursors']));
      // Identity sequences continue where the original left off.
      const next = await target.pool.query(`INSERT INTO metric_series (name) VALUES ('new') RETURNING id`);
      const origMax = (await src.pool.query('SELECT max(id) AS m FROM metric_series')).rows[0].m;
      expect(next.rows[0].id).toBe(origMax + 1);
    }
  });

  it('refuses to restore over data, and accepts a database that only ran migrations', async () => {
    const cfg = backupConfigSchema.parse({ dir });
    const r = await runBackup(src.pool, cfg, '/x');
    await expect(restoreBackup(src.pool, join(dir, r.name), cfg, '/x')).rejects.toThrow(RestoreRefused);
    await expect(restoreBackup(src.pool, r.name, cfg, '/x')).rejects.toThrow(/target database is not empty \(tables with rows: .*trades/);
    const migrated = await fresh(true);
    const out = await restoreBackup(migrated.pool, r.name, cfg, '/x'); // by name, from the backup directory
    expect(out.rows.trades).toBe(raw.length);
  });

  it('rejects files that are not backups, and truncated backups, leaving the target empty', async () => {
    const cfg = backupConfigSchema.parse({ dir });
    const bogus = join(dir, 'bogus.gz');
    const { gzipSync, gunzipSync } = await import('node:zlib');
    await writeFile(bogus, gzipSync('hello\n'));
    const target = await fresh();
    await expect(restoreBackup(target.pool, bogus, cfg, '/x')).rejects.toThrow(/not a Wick backup/);
    const r = await runBackup(src.pool, cfg, '/x');
    const { readFile } = await import('node:fs/promises');
    const whole = gunzipSync(await readFile(join(dir, r.name)));
    const cut = join(dir, 'cut.gz');
    await writeFile(cut, gzipSync(whole.subarray(0, Math.floor(whole.length * 0.6))));
    await expect(restoreBackup(target.pool, cut, cfg, '/x')).rejects.toThrow(/ends early/);
    expect((await tableHashes(target.pool)).trades.rows).toBe(0);
  });

  it('lists backups and rotates old ones; the metric shows the last good backup', async () => {
    const rotDir = await mkdtemp(join(tmpdir(), 'wick-rot-'));
    const cfg = backupConfigSchema.parse({ dir: rotDir, keep: { last: 2, daily: 0, weekly: 0 } });
    const days = ['2026-01-01T10:00:00Z', '2026-01-02T10:00:00Z', '2026-01-03T10:00:00Z'];
    for (const d of days) await runBackup(src.pool, cfg, '/x', undefined, () => new Date(d));
    expect((await readdir(rotDir)).sort()).toEqual(['wick-20260102T100000Z.backup.gz', 'wick-20260103T100000Z.backup.gz']);
    const list = await listBackups(cfg, '/x');
    expect(list.map((b) => b.name)).toEqual(['wick-20260102T100000Z.backup.gz', 'wick-20260103T100000Z.backup.gz']);
    attachPool(src.pool);
    const last = (await src.pool.query('SELECT bytes FROM wick_backups ORDER BY finished_at DESC LIMIT 1')).rows[0].bytes;
    const { body } = await renderMetrics();
    expect(body).toMatch(new RegExp(`^wick_backup_last_success_bytes ${last}$`, 'm'));
    const age = Number(/^wick_backup_last_success_age_seconds (\S+)$/m.exec(body)![1]);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(600);
  });
});

describe('rotation policy', () => {
  const name = (iso: string) => `wick-${iso.replace(/[-:]/g, '')}.backup.gz`;
  it('keeps the newest N plus the newest of each recent day and ISO week', () => {
    const names = [
      '2026-03-01T01:00:00Z', // Sun, ISO week 9
      '2026-03-02T01:00:00Z', // Mon, week 10
      '2026-03-08T01:00:00Z', // Sun, week 10
      '2026-03-09T01:00:00Z', // Mon, week 11
      '2026-03-09T13:00:00Z',
      '2026-03-10T01:00:00Z',
      '2026-03-10T13:00:00Z',
      '2026-03-10T20:00:00Z',
    ].map(name);
    const now = new Date('2026-03-10T21:00:00Z');
    // last 2: 03-10T20, 03-10T13; daily 2 (03-10, 03-09): 03-10T20, 03-09T13; weekly 2 (weeks 11, 10): 03-10T20, 03-08.
    expect(toDelete([...names, 'notes.txt'], { last: 2, daily: 2, weekly: 2 }, now).sort()).toEqual(
      ['2026-03-01T01:00:00Z', '2026-03-02T01:00:00Z', '2026-03-09T01:00:00Z', '2026-03-10T01:00:00Z'].map(name),
    );
  });
});
