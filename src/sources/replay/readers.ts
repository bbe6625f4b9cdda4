// Reads recorded market data files into normalised trades or candles.
// Accepted: JSON arrays (ccxt compact trade rows [ts, id, type, side, price, amount, cost],
// ccxt trade objects, OHLCV rows [ts, o, h, l, c, v], candle objects), JSON lines, and CSV
// with a header row; any of them gzip-compressed (.gz).
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { toDecimalString } from '../../domain/decimal.js';
import { parseTime } from '../../config/units.js';
import type { Candle, Side, Trade } from '../../domain/types.js';

export type Recorded =
  | { kind: 'trades'; rows: Trade[] }
  | { kind: 'candles'; rows: Candle[]; resolution: number | null };

export async function readRecordedFile(path: string, expect?: 'trades' | 'candles'): Promise<Recorded> {
  let buf = await readFile(path);
  let name = path.toLowerCase();
  if (name.endsWith('.gz')) {
    buf = gunzipSync(buf);
    name = name.slice(0, -3);
  }
  const text = buf.toString('utf8');
  let records: unknown[];
  if (name.endsWith('.csv')) {
    records = parseCsv(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true });
  } else if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) {
    records = text.split('\n').filter((l) => l.trim() !== '').map((l, i) => parseJson(l, `${path} line ${i + 1}`));
  } else {
    const parsed = parseJson(text, path);
    if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON array of trades or candles`);
    records = parsed;
  }
  if (records.length === 0) throw new Error(`${path}: the file holds no rows`);
  const kind = expect ?? detectKind(records[0], path);
  return kind === 'trades'
    ? { kind, rows: records.map((r, i) => toTrade(r, i, path)).sort(byTimeThenIndex) }
    : { kind, rows: sortCandles(records.map((r, i) => toCandle(r, i, path))), resolution: null };
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
  }
}

function detectKind(first: unknown, path: string): 'trades' | 'candles' {
  if (Array.isArray(first)) {
    // OHLCV rows are all numbers; compact trade rows carry an id and a side.
    if (first.length === 6 && first.every((v) => typeof v === 'number')) return 'candles';
    if (first.length >= 6) return 'trades';
  } else if (first && typeof first === 'object') {
    const o = first as Record<string, unknown>;
    if ('open' in o && 'close' in o) return 'candles';
    if ('price' in o && 'amount' in o) return 'trades';
  }
  throw new Error(`${path}: cannot tell whether rows are trades or candles; set "data: trades" or "data: candles"`);
}

function timeOf(v: unknown, where: string): number {
  const t = typeof v === 'number' || typeof v === 'string' ? parseTime(v) : null;
  if (t === null) throw new Error(`${where}: timestamp ${JSON.stringify(v)} is neither epoch milliseconds nor ISO-8601`);
  return t;
}

function sideOf(v: unknown, where: string): Side | null {
  if (v === null || v === undefined || v === '') return null;
  const s = String(v).toLowerCase();
  if (s === 'buy' || s === 'b') return 'buy';
  if (s === 'sell' || s === 's') return 'sell';
  throw new Error(`${where}: side ${JSON.stringify(v)} is not buy or sell`);
}

interface Indexed { index: number }
type TradeRow = Trade & Indexed;

function toTrade(r: unknown, index: number, path: string): TradeRow {
  const where = `${path} row ${index + 1}`;
  if (Array.isArray(r)) {
    // ccxt compact rows: [timestamp, id, type, side, price, amount, cost]
    const [ts, id, , side, price, amount] = r;
    return { index, ts: timeOf(ts, where), id: id == null ? `row${index}` : String(id), side: sideOf(side, where), price: toDecimalString(price, `${where} price`), amount: toDecimalString(amount, `${where} amount`) };
  }
  if (r && typeof r === 'object') {
    const o = r as Record<string, unknown>;
    const ts = o.timestamp ?? o.time ?? o.ts ?? o.datetime;
    return { index, ts: timeOf(ts, where), id: o.id == null || o.id === '' ? `row${index}` : String(o.id), side: sideOf(o.side, where), price: toDecimalString(o.price, `${where} price`), amount: toDecimalString(o.amount ?? o.qty ?? o.quantity, `${where} amount`) };
  }
  throw new Error(`${where}: expected an array or an object`);
}

function toCandle(r: unknown, index: number, path: string): Candle {
  const where = `${path} row ${index + 1}`;
  if (Array.isArray(r)) {
    const [ts, o, h, l, c, v] = r;
    return { ts: timeOf(ts, where), open: toDecimalString(o, `${where} open`), high: toDecimalString(h, `${where} high`), low: toDecimalString(l, `${where} low`), close: toDecimalString(c, `${where} close`), volume: toDecimalString(v, `${where} volume`) };
  }
  if (r && typeof r === 'object') {
    const o = r as Record<string, unknown>;
    return { ts: timeOf(o.timestamp ?? o.time ?? o.ts, where), open: toDecimalString(o.open, `${where} open`), high: toDecimalString(o.high, `${where} high`), low: toDecimalString(o.low, `${where} low`), close: toDecimalString(o.close, `${where} close`), volume: toDecimalString(o.volume, `${where} volume`) };
  }
  throw new Error(`${where}: expected an array or an object`);
}

function byTimeThenIndex(a: TradeRow, b: TradeRow): number {
  return a.ts - b.ts || a.index - b.index;
}

function sortCandles(rows: Candle[]): Candle[] {
  return rows.sort((a, b) => a.ts - b.ts);
}

/** The most common spacing between consecutive candles, in seconds (gaps are missing candles). */
export function inferResolution(rows: Candle[]): number | null {
  const counts = new Map<number, number>();
  for (let i = 1; i < rows.length; i++) {
    const d = rows[i].ts - rows[i - 1].ts;
    if (d > 0 && d % 60_000 === 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best: number | null = null;
  let bestCount = 0;
  for (const [d, n] of counts) if (n > bestCount || (n === bestCount && best !== null && d < best)) [best, bestCount] = [d, n];
  return best === null ? null : best / 1000;
}
