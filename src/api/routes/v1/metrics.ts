// Generic metric series (e.g. an NFT collection's floor price from the http source):
// the catalogue of names and label sets, and one name's series over time, bucketed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { badRequest, notFound } from '../../errors.js';
import { labelsParam, resolutionParam, timeRange } from '../../params.js';
import { errors, Limit, Nullable, TimeParam } from '../../schemas.js';
import type { ApiContext } from '../../app.js';

const AGGREGATES = { avg: 'avg(value)', last: '(array_agg(value ORDER BY ts DESC))[1]', first: '(array_agg(value ORDER BY ts))[1]', min: 'min(value)', max: 'max(value)', sum: 'sum(value)' } as const;

export const metricRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const { pool } = ctx;
  const maxLimit = ctx.config.server.maxLimit;

  app.get('/metrics', {
    schema: {
      summary: 'Metric names with their label sets, point counts and last points',
      tags: ['metrics'],
      querystring: Type.Object({ name: Type.Optional(Type.String({ description: 'Only this metric' })) }),
      response: {
        200: Type.Object({
          metrics: Type.Array(Type.Object({
            name: Type.String(),
            series: Type.Array(Type.Object({
              labels: Type.Record(Type.String(), Type.String()),
              points: Type.Integer(),
              first_time: Nullable(Type.Integer({ description: 'Epoch ms' })),
              last_time: Nullable(Type.Integer({ description: 'Epoch ms' })),
              last_value: Nullable(Type.Number()),
            })),
          })),
        }),
      },
    },
  }, async (req) => {
    const r = await pool.query<{ name: string; labels: Record<string, string>; points: number; first_time: number | null; last_time: number | null; last_value: number | null }>(
      `SELECT s.name, s.labels, count(p.ts)::int AS points,
         (extract(epoch FROM min(p.ts)) * 1000)::int8 AS first_time, (extract(epoch FROM max(p.ts)) * 1000)::int8 AS last_time,
         ((array_agg(p.value ORDER BY p.ts DESC))[1])::float8 AS last_value
       FROM metric_series s LEFT JOIN metric_points p ON p.series_id = s.id
       WHERE $1::text IS NULL OR s.name = $1
       GROUP BY s.id ORDER BY s.name, s.labels::text`,
      [req.query.name ?? null],
    );
    const byName = new Map<string, Array<Omit<(typeof r.rows)[number], 'name'>>>();
    for (const { name, ...rest } of r.rows) byName.set(name, [...(byName.get(name) ?? []), rest]);
    return { metrics: [...byName].map(([name, series]) => ({ name, series })) };
  });

  app.get('/metrics/:name/series', {
    schema: {
      summary: "A metric's series (label sets matching `labels`) over time, raw or bucketed",
      tags: ['metrics'],
      params: Type.Object({ name: Type.String() }),
      querystring: Type.Object({
        labels: Type.Optional(Type.String({ description: 'labels the series must have: key:value pairs, comma-separated (e.g. contract:0xabc), or JSON' })),
        from: Type.Optional(TimeParam('Start (inclusive)')),
        to: Type.Optional(TimeParam('End (exclusive)')),
        resolution: Type.Optional(Type.String({ description: 'Bucket size (1m, 1h, 1d, 1w); raw points when omitted' })),
        aggregate: Type.Union([Type.Literal('avg'), Type.Literal('last'), Type.Literal('first'), Type.Literal('min'), Type.Literal('max'), Type.Literal('sum')], { default: 'avg', description: 'How a bucket is reduced' }),
        limit: Limit(1000, maxLimit),
      }),
      response: {
        200: Type.Object({
          name: Type.String(),
          resolution: Nullable(Type.String()),
          aggregate: Type.String(),
          series: Type.Array(Type.Object({
            labels: Type.Record(Type.String(), Type.String()),
            points: Type.Array(Type.Object({ time: Type.Integer({ description: 'Epoch ms (bucket start when bucketed)' }), value: Type.Number() })),
          })),
        }),
        ...errors(400, 404),
      },
    },
  }, async (req) => {
    const q = req.query;
    const labels = labelsParam(q.labels);
    const { from, to } = timeRange(q.from, q.to);
    const seconds = q.resolution ? resolutionParam(q.resolution) : null;
    const known = await pool.query<{ id: number; labels: Record<string, string> }>(`SELECT id, labels FROM metric_series WHERE name = $1 AND labels @> $2::jsonb ORDER BY labels::text`, [req.params.name, JSON.stringify(labels)]);
    if (known.rows.length === 0) {
      const exists = (await pool.query(`SELECT 1 FROM metric_series WHERE name = $1 LIMIT 1`, [req.params.name])).rowCount;
      throw exists ? badRequest('labels', `no series of "${req.params.name}" has the labels ${q.labels}`) : notFound(`unknown metric "${req.params.name}" (GET /v1/metrics lists them)`);
    }
    const value = seconds ? `(${AGGREGATES[q.aggregate]})::float8` : 'value::float8';
    const time = seconds ? `date_bin($2 * interval '1 second', ts, timestamptz '1970-01-05 00:00:00+00')` : 'ts';
    const series = [];
    for (const s of known.rows) {
      // Weeks start Monday (1970-01-05), like candles; shorter buckets align to the epoch either way.
      const r = await pool.query<{ time: number; value: number }>(
        `SELECT (extract(epoch FROM b) * 1000)::int8 AS time, v AS value FROM (
           SELECT ${time} AS b, ${value} AS v FROM metric_points
           WHERE series_id = $1 AND $2::int8 >= 0 AND ($3::int8 IS NULL OR ts >= to_timestamp($3 / 1000.0)) AND ($4::int8 IS NULL OR ts < to_timestamp($4 / 1000.0))
           ${seconds ? 'GROUP BY 1' : ''} ORDER BY 1 DESC LIMIT $5
         ) x ORDER BY time`,
        [s.id, seconds ?? 0, from ?? null, to ?? null, q.limit],
      );
      series.push({ labels: s.labels, points: r.rows });
    }
    return { name: req.params.name, resolution: q.resolution ?? null, aggregate: seconds ? q.aggregate : 'none', series };
  });
};
