// Metric series writes: series created once per name + labels (in any key order), points
// idempotent, a revised value replaces the old one, and the cursor commits with the data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMetrics } from '../src/ingest/writers.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

describe('metric series', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it('stores points per series, idempotently, with the cursor', async () => {
    const t = Date.UTC(2024, 0, 1);
    const points = [
      { name: 'floor_price', labels: { collection: '0xabc', chain: 'eth' }, ts: t, value: '1.25' },
      { name: 'floor_price', labels: { chain: 'eth', collection: '0xabc' }, ts: t + 60_000, value: '1.5' },
      { name: 'floor_price', labels: { collection: '0xdef', chain: 'eth' }, ts: t, value: '0.031' },
    ];
    expect((await writeMetrics(db.pool, points, 'nft', 'metrics:nft', { page: 1 })).inserted).toBe(3);
    expect((await writeMetrics(db.pool, points, 'nft', 'metrics:nft', { page: 1 })).inserted).toBe(0);
    expect((await writeMetrics(db.pool, [{ ...points[0], value: '1.3' }], 'nft', 'metrics:nft', { page: 2 })).inserted).toBe(1);
    const series = (await db.pool.query(`SELECT name, labels FROM metric_series ORDER BY labels->>'collection'`)).rows;
    expect(series).toEqual([
      { name: 'floor_price', labels: { chain: 'eth', collection: '0xabc' } },
      { name: 'floor_price', labels: { chain: 'eth', collection: '0xdef' } },
    ]);
    const pts = (await db.pool.query(`SELECT s.labels->>'collection' AS c, (extract(epoch FROM ts) * 1000)::int8 AS t, value::text FROM metric_points p JOIN metric_series s ON s.id = p.series_id ORDER BY 1, 2`)).rows;
    expect(pts).toEqual([{ c: '0xabc', t, value: '1.3' }, { c: '0xabc', t: t + 60_000, value: '1.5' }, { c: '0xdef', t, value: '0.031' }]);
    expect((await db.pool.query(`SELECT cursor FROM source_cursors WHERE stream = 'metrics:nft'`)).rows[0].cursor).toEqual({ page: 2 });
  });
});
