// Rankings, trend scores and 24 h history of metric series (a name plus labels), computed
// at read time from the stored points: the figures are per series and cheap to index.
import type { Pool } from '../db/pool.js';

export interface MetricFigures {
  id: number;
  name: string;
  labels: Record<string, string>;
  time: number | null;
  value: number | null;
  change_pct: number | null;
  volatility: number | null;
  trend_score: number | null;
}

const FIGURES_SQL = `
SELECT s.id, s.name, s.labels, (extract(epoch FROM l.ts) * 1000)::int8 AS time, l.value::float8 AS value,
  (l.value / nullif(p.value, 0) - 1)::float8 * 100 AS change_pct,
  (SELECT stddev_samp(r) FROM (
     SELECT ln(value / lag(value) OVER (ORDER BY ts)) AS r FROM metric_points
     WHERE series_id = s.id AND value > 0 AND ts > $2::timestamptz - interval '24 hours' AND ts <= $2) x)::float8 AS volatility,
  ((SELECT avg(value) FROM metric_points WHERE series_id = s.id AND ts > $2::timestamptz - interval '1 hour' AND ts <= $2)
   / nullif((SELECT avg(value) FROM metric_points WHERE series_id = s.id AND ts > $2::timestamptz - interval '7 days' AND ts <= $2), 0))::float8 AS trend_score
FROM metric_series s
LEFT JOIN LATERAL (SELECT ts, value FROM metric_points WHERE series_id = s.id AND ts <= $2 ORDER BY ts DESC LIMIT 1) l ON true
LEFT JOIN LATERAL (SELECT value FROM metric_points WHERE series_id = s.id AND ts <= $2::timestamptz - interval '24 hours' ORDER BY ts DESC LIMIT 1) p ON true
WHERE ($1::text IS NULL OR s.name = $1) AND l.ts IS NOT NULL`;

export async function metricFigures(pool: Pool, name: string | null, now = Date.now()): Promise<MetricFigures[]> {
  return (await pool.query<MetricFigures>(FIGURES_SQL, [name, new Date(now)])).rows;
}

export interface MetricHistory {
  name: string;
  labels: Record<string, string>;
  points: Array<[number, number]>;
  rank: number | null;
  peers: number;
  value: number | null;
}

/** The last 24 h of one series and its rank (1 = largest latest value) among series of the same name; null when unknown. */
export async function metricHistory(pool: Pool, name: string, labels: Record<string, string>, now = Date.now()): Promise<MetricHistory | null> {
  const s = await pool.query<{ id: number; labels: Record<string, string> }>(`SELECT id, labels FROM metric_series WHERE name = $1 AND labels = $2::jsonb`, [name, JSON.stringify(labels)]);
  if (s.rows.length === 0) return null;
  const id = s.rows[0].id;
  const [pts, peers] = await Promise.all([
    pool.query<{ t: number; v: number }>(
      `SELECT (extract(epoch FROM ts) * 1000)::int8 AS t, value::float8 AS v FROM metric_points
       WHERE series_id = $1 AND ts > $2::timestamptz - interval '24 hours' AND ts <= $2 ORDER BY ts`, [id, new Date(now)]),
    pool.query<{ id: number; v: number }>(
      `SELECT s.id, l.value::float8 AS v FROM metric_series s
       JOIN LATERAL (SELECT value FROM metric_points WHERE series_id = s.id AND ts <= $2 ORDER BY ts DESC LIMIT 1) l ON true
       WHERE s.name = $1`, [name, new Date(now)]),
  ]);
  const mine = peers.rows.find((p) => p.id === id);
  return {
    name,
    labels: s.rows[0].labels,
    points: pts.rows.map((p) => [p.t, p.v]),
    value: mine?.v ?? null,
    rank: mine ? 1 + peers.rows.filter((p) => p.v > mine.v).length : null,
    peers: peers.rows.length,
  };
}

/** labels as JSON ({"pair":"ETH-USDC"}) or as k:v / k=v pairs separated by commas. */
export function parseLabels(text: string | undefined): Record<string, string> | null {
  if (text === undefined || text.trim() === '') return {};
  const t = text.trim();
  if (t.startsWith('{')) {
    try {
      const o = JSON.parse(t) as unknown;
      if (o && typeof o === 'object' && !Array.isArray(o) && Object.values(o).every((v) => typeof v === 'string')) return o as Record<string, string>;
    } catch {
      // fall through
    }
    return null;
  }
  const out: Record<string, string> = {};
  for (const part of t.split(',')) {
    const m = /^([^:=]+)[:=](.*)$/.exec(part.trim());
    if (!m) return null;
    out[m[1].trim()] = m[2].trim();
  }
  return out;
}
