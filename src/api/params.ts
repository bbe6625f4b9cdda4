// Parsing and checking of request values shared by the routes.
import type { Pool } from '../db/pool.js';
import { parseTime } from '../config/units.js';
import { parseResolution } from '../domain/resolution.js';
import { parseLabels } from '../analytics/metrics.js';
import { badRequest, notFound } from './errors.js';

/** An ISO-8601 time or epoch milliseconds; undefined when absent. */
export function timeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const t = parseTime(value);
  if (t === null) throw badRequest(name, `"${value}" is not a time (ISO-8601 like 2024-01-01T00:00:00Z, or epoch milliseconds)`);
  return t;
}

export function timeRange(from: string | undefined, to: string | undefined): { from?: number; to?: number } {
  const f = timeParam('from', from);
  const t = timeParam('to', to);
  if (f !== undefined && t !== undefined && f >= t) throw badRequest('from', `must be before to (${new Date(f).toISOString()} is not before ${new Date(t).toISOString()})`);
  return { from: f, to: t };
}

export function resolutionParam(value: string): number {
  const r = parseResolution(value);
  if (r === null) throw badRequest('resolution', `"${value}" is not a resolution: use a whole number of minutes, hours, days or weeks, e.g. 1m, 5m, 15m, 1h, 4h, 1d, 1w`);
  return r;
}

/** A metric series' `labels` query parameter: JSON ({"pair":"ETH-USDC"}) or key:value / key=value pairs separated by commas. */
export function labelsParam(text: string | undefined): Record<string, string> {
  const labels = parseLabels(text);
  if (labels === null) throw badRequest('labels', `"${text}" is neither JSON like {"pair":"ETH-USDC"} nor key:value pairs separated by commas (e.g. labels=contract:0xabc,chain:ethereum)`);
  return labels;
}

export interface MarketRow {
  pk: number;
  id: string;
  venue: string;
  symbol: string;
  base: string;
  quote: string;
  type: string;
  active: boolean;
  price_precision: number | null;
  amount_precision: number | null;
  candle_source: string | null;
  first_trade_at: number | null;
  last_trade_at: number | null;
}

export const MARKET_COLUMNS = `pk, id, venue_id AS venue, symbol, base_id AS base, quote_id AS quote, type, active,
  price_precision::float8 AS price_precision, amount_precision::float8 AS amount_precision, candle_source,
  (extract(epoch FROM first_trade_at) * 1000)::int8 AS first_trade_at, (extract(epoch FROM last_trade_at) * 1000)::int8 AS last_trade_at`;

export async function findMarket(pool: Pool, id: string): Promise<MarketRow> {
  const r = await pool.query<MarketRow>(`SELECT ${MARKET_COLUMNS} FROM markets WHERE id = $1`, [id]);
  if (r.rows.length === 0) {
    const hint = id.includes(':') ? '' : ' (market ids look like venue:BASE-QUOTE, e.g. binance:BTC-USDT)';
    throw notFound(`unknown market "${id}"${hint}`);
  }
  return r.rows[0];
}
