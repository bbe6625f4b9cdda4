// Runs one source task once ("a pass"): discover the source's markets, then fetch each
// market's data since its cursor and store it batch by batch (data + cursor atomically).
// `wick ingest` runs passes directly; the scheduler runs them on their intervals.
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import { normaliseAssetCode } from '../domain/ids.js';
import type { IngestListener, MarketInfo } from '../realtime/publisher.js';
import { unmeteredCall, type FetchContext, type ProviderCall, type Source, type SourceTask } from '../sources/types.js';
import { upsertMarkets, upsertVenue, type MarketRef } from './catalog.js';
import { readCursor, streamKey } from './cursors.js';
import { writeCandles, writeMetrics, writeOrderBooks, writeTickers, writeTrades } from './writers.js';

export interface PassResult {
  source: string;
  task: SourceTask['kind'];
  markets: number;
  /** Rows newly stored (duplicates of stored rows are not counted). */
  rows: number;
  errors: Array<{ market?: string; error: string }>;
  durationMs: number;
}

export class SourceRunner {
  private markets: MarketRef[] = [];
  private catalogKey = '';

  constructor(readonly source: Source, private readonly pool: Pool, private readonly log: Logger, private readonly call: ProviderCall = unmeteredCall, private readonly events?: IngestListener) {}

  private info(m: MarketRef): MarketInfo {
    return { pk: m.pk, id: m.id, base: normaliseAssetCode(m.spec.base) };
  }

  private context(signal: AbortSignal, only?: string[]): FetchContext {
    return { signal, log: this.log, call: this.call, pool: this.pool, ...(only ? { only } : {}) };
  }

  /** Discovers markets and records new or changed ones. */
  async refreshMarkets(signal: AbortSignal): Promise<MarketRef[]> {
    const specs = await this.source.discoverMarkets(this.context(signal));
    const key = JSON.stringify(specs);
    if (key !== this.catalogKey) {
      await upsertVenue(this.pool, this.source.venue, this.source.venueKind);
      const refs = await upsertMarkets(this.pool, specs);
      this.markets = specs.map((s) => refs.get(s.symbol)!);
      this.catalogKey = key;
    }
    return this.markets;
  }

  /** `only`: restrict the pass to these markets (symbols or ids) or, for metrics, these source items. */
  async runPass(task: SourceTask, signal: AbortSignal, only?: string[]): Promise<PassResult> {
    const started = Date.now();
    const result: PassResult = { source: this.source.id, task: task.kind, markets: 0, rows: 0, errors: [], durationMs: 0 };
    const ctx = this.context(signal, only);
    if (task.kind === 'metrics') {
      // Metric streams are not tied to markets: one cursor per source.
      const stream = `metrics:${this.source.id}`;
      const cursor = await readCursor(this.pool, this.source.id, stream);
      for await (const batch of this.source.fetchMetrics!(cursor, ctx)) {
        result.rows += (await writeMetrics(this.pool, batch.items, this.source.id, stream, batch.cursor)).inserted;
        this.events?.metricsWritten(batch.items);
      }
      result.durationMs = Date.now() - started;
      return result;
    }
    const all = await this.refreshMarkets(signal);
    const markets = only ? all.filter((m) => only.includes(m.spec.symbol) || only.includes(m.id)) : all;
    result.markets = markets.length;
    if (task.kind === 'tickers') {
      const tickers = await this.source.fetchTickers!(markets.map((m) => m.spec), ctx);
      const rows = markets.flatMap((m) => (tickers.has(m.spec.symbol) ? [{ marketPk: m.pk, ticker: tickers.get(m.spec.symbol)! }] : []));
      result.rows = (await writeTickers(this.pool, rows)).inserted;
      this.events?.tickersWritten(markets.flatMap((m) => (tickers.has(m.spec.symbol) ? [{ market: this.info(m), ticker: tickers.get(m.spec.symbol)! }] : [])));
    } else {
      for (const m of markets) {
        if (signal.aborted) break;
        try {
          result.rows += task.kind === 'orderbook'
            ? (await writeOrderBooks(this.pool, [{ marketPk: m.pk, book: await this.source.fetchOrderBook!(m.spec, ctx) }])).inserted
            : await this.ingestMarket(task.kind, m, signal);
        } catch (e) {
          if (signal.aborted) break;
          const error = (e as Error).message;
          result.errors.push({ market: m.id, error });
          this.log.error({ source: this.source.id, market: m.id, task: task.kind, err: error }, 'ingest failed for a market');
        }
      }
    }
    result.durationMs = Date.now() - started;
    return result;
  }

  private async ingestMarket(kind: 'trades' | 'candles', m: MarketRef, signal: AbortSignal): Promise<number> {
    const stream = streamKey(kind, m.id);
    const cursor = await readCursor(this.pool, this.source.id, stream);
    const ctx = this.context(signal);
    let rows = 0;
    if (kind === 'trades') {
      for await (const batch of this.source.fetchTrades!(m.spec, cursor, ctx)) {
        const n = (await writeTrades(this.pool, m.pk, batch.items, this.source.id, stream, batch.cursor)).inserted;
        rows += n;
        // Committed: hand the batch to the realtime publisher (it does not block ingest).
        if (n > 0) this.events?.tradesWritten(this.info(m), batch.items);
      }
    } else {
      for await (const batch of this.source.fetchCandles!(m.spec, cursor, ctx)) {
        const n = (await writeCandles(this.pool, m.pk, batch.resolution, batch.items, this.source.id, stream, batch.cursor)).inserted;
        rows += n;
        if (n > 0) this.events?.candlesWritten(this.info(m), batch.resolution);
      }
    }
    return rows;
  }
}
