// An independent candle computation for tests: plain loops over the raw trades with exact
// decimals (decimal.js), sharing no code with Wick's SQL.
import { Decimal } from 'decimal.js';

Decimal.set({ precision: 60 });

export interface RefTrade { ts: number; id: string; price: string; amount: string }
export interface RefCandle {
  time: number;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
  quoteVolume: Decimal;
  trades: number;
}

/** Monday 1970-01-05 for weekly multiples, else the epoch: Wick's documented alignment. */
function origin(seconds: number): number {
  return seconds % 604800 === 0 ? 4 * 86400_000 : 0;
}

export function referenceCandles(trades: RefTrade[], seconds: number): RefCandle[] {
  const size = seconds * 1000;
  const o = origin(seconds);
  // Time order; trades in the same millisecond in trade-id order (numeric ids compared as numbers).
  const sorted = [...trades].sort((a, b) => a.ts - b.ts || (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
  const out = new Map<number, RefCandle>();
  for (const t of sorted) {
    const time = Math.floor((t.ts - o) / size) * size + o;
    const p = new Decimal(t.price);
    const a = new Decimal(t.amount);
    const c = out.get(time);
    if (!c) {
      out.set(time, { time, open: p, high: p, low: p, close: p, volume: a, quoteVolume: p.mul(a), trades: 1 });
    } else {
      if (p.gt(c.high)) c.high = p;
      if (p.lt(c.low)) c.low = p;
      c.close = p;
      c.volume = c.volume.add(a);
      c.quoteVolume = c.quoteVolume.add(p.mul(a));
      c.trades += 1;
    }
  }
  return [...out.values()].sort((a, b) => a.time - b.time);
}
