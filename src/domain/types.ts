// The normalised shapes every source produces and every writer stores.
// Numbers that must stay exact (prices, amounts) travel as decimal strings;
// times travel as epoch milliseconds.

export type Side = 'buy' | 'sell';

/** A market as a source discovers it (close to ccxt's unified market). */
export interface MarketSpec {
  venue: string;
  /** The venue's own symbol, e.g. "BTC/USDT" (ccxt unified symbol). */
  symbol: string;
  base: string;
  quote: string;
  type?: string;
  active?: boolean;
  pricePrecision?: number | null;
  amountPrecision?: number | null;
  info?: unknown;
}

export interface Trade {
  /** Epoch milliseconds. */
  ts: number;
  /** The venue's trade id; unique per market. */
  id: string;
  side: Side | null;
  price: string;
  amount: string;
}

export interface Candle {
  /** Bucket open time, epoch milliseconds. */
  ts: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteVolume?: string | null;
  trades?: number | null;
}

export interface TickerSnapshot {
  ts: number;
  last: string | null;
  bid: string | null;
  ask: string | null;
  high: string | null;
  low: string | null;
  open: string | null;
  baseVolume: string | null;
  quoteVolume: string | null;
  vwap: string | null;
  changePercent: string | null;
}

/** [price, amount] as exact decimal strings. */
export type BookLevel = [string, string];

export interface OrderBook {
  ts: number;
  /** Best (highest) first. */
  bids: BookLevel[];
  /** Best (lowest) first. */
  asks: BookLevel[];
}

/** One observation of a named series, e.g. name "nft_floor_price", labels {collection: "0xabc…"}. */
export interface MetricPoint {
  name: string;
  labels: Record<string, string>;
  ts: number;
  value: string;
}
