// The one small interface every connector implements. A source discovers its markets
// and fetches data *since a cursor*; it never writes to the database itself. The ingest
// layer stores each batch together with the cursor that follows it, in one transaction.
import type { Logger } from 'pino';
import type { Candle, MarketSpec, MetricPoint, OrderBook, TickerSnapshot, Trade } from '../domain/types.js';
import type { Pool } from '../db/pool.js';

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

/**
 * Sends one outgoing request to a named provider through that provider's budget (rate
 * limit + quota). `cost` is in the provider's units (1 per request, or compute units).
 * Every source makes its upstream calls through this, so budgets apply to all of them.
 */
export type ProviderCall = <T>(provider: string, cost: number, fn: () => Promise<T>) => Promise<T>;

/** The call gate when no budget applies: the call runs as is. */
export const unmeteredCall: ProviderCall = (_provider, _cost, fn) => fn();

export interface FetchContext {
  signal: AbortSignal;
  log: Logger;
  call: ProviderCall;
  /** When set, only these items (market symbols, or an http source's item keys) are fetched this pass. */
  only?: string[];
  /**
   * The database, for the few sources that keep a store of their own (the evm source's
   * transfers and holders, which a chain reorg must be able to delete). Others never write.
   */
  pool?: Pool;
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
  /**
   * What one run of a task spends at its provider, for budget plans: `perRun` units plus
   * `perItem` units per market/item (`items`: the configured ones, null = the venue's known markets).
   */
  budget?(task: SourceTask['kind']): SourceBudget | null;
  /** Lets a source align its own client-side throttle with the provider's declared rate. */
  applyRate?(rate: { perSecond?: number; perMinute?: number }): void;
  close?(): Promise<void>;
}

export interface SourceBudget {
  provider: string;
  perRun: number;
  perItem: number;
  items: string[] | null;
}
