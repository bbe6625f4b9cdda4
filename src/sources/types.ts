// The one small interface every connector implements. A source discovers its markets
// and fetches data *since a cursor*; it never writes to the database itself. The ingest
// layer stores each batch together with the cursor that follows it, in one transaction.
import type { Logger } from 'pino';
import type { Candle, MarketSpec, MetricPoint, OrderBook, TickerSnapshot, Trade } from '../domain/types.js';

/** Opaque, JSON-serialisable position of a stream; each source defines its own shape. */
export type Cursor = Record<string, unknown>;

export interface Batch<T> {
  items: T[];
  /** Cursor to resume from after this batch has been stored. */
  cursor: Cursor;
}

/** Candles as a venue reports them; stored by upsert, so a forming candle updates in place. */
export interface CandleBatch extends Batch<Candle> {
  /** Resolution of these candles in seconds. */
  resolution: number;
}

export interface FetchContext {
  signal: AbortSignal;
  log: Logger;
}

/** A task a source can run on a schedule; `every` is its interval in ms (null: runs continuously). */
export interface SourceTask {
  kind: 'trades' | 'candles' | 'tickers' | 'orderbook' | 'metrics';
  every: number | null;
}

export interface Source {
  readonly id: string;
  readonly type: string;
  /** Venue the data is stored under (e.g. "binance"). */
  readonly venue: string;
  readonly venueKind: 'exchange' | 'dex' | 'replay';
  /** What this source fetches and how often (may read the source's data to decide). */
  tasks(): Promise<SourceTask[]>;
  discoverMarkets(ctx: FetchContext): Promise<MarketSpec[]>;
  fetchTrades?(market: MarketSpec, cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<Trade>>;
  fetchCandles?(market: MarketSpec, cursor: Cursor | null, ctx: FetchContext): AsyncIterable<CandleBatch>;
  fetchTickers?(markets: MarketSpec[], ctx: FetchContext): Promise<Map<string, TickerSnapshot>>;
  /** A snapshot of one market's order book. */
  fetchOrderBook?(market: MarketSpec, ctx: FetchContext): Promise<OrderBook>;
  /** Metric series points since the cursor (not tied to a market; e.g. a JSON API mapped to series). */
  fetchMetrics?(cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<MetricPoint>>;
  close?(): Promise<void>;
}
