// Turns committed ingest batches into bus events: trades, the candles they touched (the
// forming one updates in place; a bucket is marked closed once a later bucket exists),
// tickers, asset prices and metric points. Runs after the batch committed and off the
// ingest path: the runner hands batches over and goes on; events are sent in order.
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import { bucketStart, formatResolution, STORED_RESOLUTIONS } from '../domain/resolution.js';
import type { MetricPoint, TickerSnapshot, Trade } from '../domain/types.js';
import type { EventBus } from './bus.js';
import type { WickEvent } from './events.js';
import { MAX_PAYLOAD_BYTES } from './transport.js';

export interface MarketInfo { pk: number; id: string; base: string }

/** Anything ingest reports to; SourceRunner calls it after each committed batch. */
export interface IngestListener {
  tradesWritten(market: MarketInfo, trades: Trade[]): void;
  candlesWritten(market: MarketInfo, resolution: number): void;
  tickersWritten(rows: Array<{ market: MarketInfo; ticker: TickerSnapshot }>): void;
  metricsWritten(points: MetricPoint[]): void;
}

/** Trades per event, so a trade event stays well under the transport's payload limit. */
const TRADES_PER_EVENT = 25;

export class IngestPublisher implements IngestListener {
  private chain: Promise<void> = Promise.resolve();
  /** Per market and resolution: the bucket last published as forming. */
  private forming = new Map<string, number>();

  constructor(private readonly bus: EventBus, private readonly pool: Pool, private readonly log: Logger) {}

  private enqueue(fn: () => Promise<WickEvent[]>): void {
    this.chain = this.chain.then(async () => {
      try {
        await this.bus.publish(await fn());
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'publishing realtime events failed');
      }
    });
  }

  /** Resolves when everything handed over so far has been published. */
  flush(): Promise<void> {
    return this.chain;
  }

  tradesWritten(market: MarketInfo, trades: Trade[]): void {
    if (trades.length === 0) return;
    const lo = Math.min(...trades.map((t) => t.ts));
    const hi = Math.max(...trades.map((t) => t.ts));
    const last = trades.reduce((a, t) => (t.ts >= a.ts ? t : a));
    this.enqueue(async () => {
      const events: WickEvent[] = [];
      for (let i = 0; i < trades.length; i += TRADES_PER_EVENT) {
        const chunk = trades.slice(i, i + TRADES_PER_EVENT).map((t) => ({ ts: t.ts, id: t.id, side: t.side, price: t.price, amount: t.amount }));
        events.push(...splitIfLarge({ channel: `trades:${market.id}`, type: 'trades', data: { market: market.id, trades: chunk } }));
      }
      events.push({ channel: `prices:${market.base}`, type: 'price', data: { asset: market.base, market: market.id, price: last.price, ts: last.ts }, coalesce: `price:${market.id}` });
      events.push(...(await this.candleEvents(market, lo, hi)));
      return events;
    });
  }

  candlesWritten(market: MarketInfo, resolution: number): void {
    this.enqueue(async () => {
      const r = await this.pool.query<{ hi: Date | null }>(`SELECT max(ts) AS hi FROM candles WHERE market_pk = $1 AND resolution = $2`, [market.pk, resolution]);
      const hi = r.rows[0].hi?.getTime();
      return hi === undefined ? [] : this.candleEvents(market, hi, hi);
    });
  }

  /**
   * Candles of every stored resolution touched by data between lo and hi, plus the bucket
   * previously published as forming (so its final state goes out marked closed).
   */
  private async candleEvents(market: MarketInfo, lo: number, hi: number): Promise<WickEvent[]> {
    const rows = await this.pool.query<{ resolution: number; time: number; open: string; high: string; low: string; close: string; volume: string; quote_volume: string | null; trades: number | null }>(
      `SELECT c.resolution, (extract(epoch FROM c.ts) * 1000)::int8 AS time, c.open::text, c.high::text, c.low::text, c.close::text,
              c.volume::text, c.quote_volume::text, c.trades
       FROM unnest($2::int[], $3::int8[]) AS r(res, lo)
       JOIN candles c ON c.market_pk = $1 AND c.resolution = r.res
        AND c.ts >= to_timestamp(r.lo / 1000.0) AND c.ts <= to_timestamp($4 / 1000.0)
       ORDER BY c.resolution, c.ts
       LIMIT 5000`,
      [market.pk, [...STORED_RESOLUTIONS], STORED_RESOLUTIONS.map((res) => Math.min(this.forming.get(`${market.pk}:${res}`) ?? Infinity, bucketStart(lo, res))), hi],
    );
    // The latest stored bucket per resolution is forming; everything before it is closed.
    const latest = new Map<number, number>();
    for (const r of rows.rows) latest.set(r.resolution, Math.max(latest.get(r.resolution) ?? -Infinity, r.time));
    const events: WickEvent[] = [];
    for (const r of rows.rows) {
      const res = formatResolution(r.resolution);
      const closed = r.time < latest.get(r.resolution)!;
      events.push({
        channel: `candles:${market.id}:${res}`,
        type: 'candle',
        data: { market: market.id, resolution: res, closed, candle: { time: r.time, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, quote_volume: r.quote_volume, trades: r.trades } },
        // A forming candle's updates replace each other; a closed one is final.
        coalesce: closed ? undefined : `candle:${market.id}:${res}:${r.time}`,
      });
    }
    for (const [res, t] of latest) this.forming.set(`${market.pk}:${res}`, t);
    return events;
  }

  tickersWritten(rows: Array<{ market: MarketInfo; ticker: TickerSnapshot }>): void {
    if (rows.length === 0) return;
    this.enqueue(async () => rows.map(({ market, ticker }) => ({
      channel: 'tickers', type: 'ticker', data: { market: market.id, ...ticker }, coalesce: `ticker:${market.id}`,
    })));
  }

  metricsWritten(points: MetricPoint[]): void {
    if (points.length === 0) return;
    this.enqueue(async () => points.flatMap((p) => splitIfLarge({ channel: `metrics:${p.name}`, type: 'metric', data: p })));
  }
}

/** Leaves out an event too large for the bus (a pathological trade id or label) rather than failing the batch. */
function splitIfLarge(e: WickEvent): WickEvent[] {
  return Buffer.byteLength(JSON.stringify(e)) > MAX_PAYLOAD_BYTES - 16 ? [] : [e];
}
