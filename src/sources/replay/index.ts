// The replay source: recorded trades or candles, either backfilled at once with their
// original times, or replayed "live": paced at `speed`× real time with times rebased to now,
// so demos and tests see data arriving as it would from an exchange.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseResolution } from '../../domain/resolution.js';
import type { MarketSpec, Trade } from '../../domain/types.js';
import type { Batch, CandleBatch, Cursor, FetchContext, Source, SourceTask } from '../types.js';
import type { ReplayConfig } from './config.js';
import { inferResolution, readRecordedFile, type Recorded } from './readers.js';

interface ReplayCursor {
  /** Next row to emit. */
  index: number;
  /** Live mode: which pass over the file (ids are prefixed with it so loops never collide). */
  loop?: number;
  /** Live mode: wall-clock ms the first row of this loop maps to. */
  anchor?: number;
}

/** Live mode never waits longer than this between checks, so it stops promptly. */
const MAX_WAIT_MS = 250;

export class ReplaySource implements Source {
  readonly type = 'replay';
  readonly venueKind = 'replay' as const;
  readonly id: string;
  readonly venue: string;
  private recorded: Promise<Recorded> | null = null;
  private version = '';
  private readonly path: string;

  constructor(private readonly cfg: ReplayConfig, baseDir: string) {
    this.id = cfg.id;
    this.venue = cfg.venue;
    this.path = resolve(baseDir, cfg.file);
  }

  async tasks(): Promise<SourceTask[]> {
    const { kind } = await this.load();
    // Live replay is one continuous task; a backfill re-checks the file for appended rows.
    return [{ kind, every: this.cfg.mode === 'live' ? null : 60_000 }];
  }

  /** The file's rows, read again when the file has changed (a backfill picks up appended rows). */
  private async load(): Promise<Recorded> {
    const st = await stat(this.path);
    const version = `${st.size}:${st.mtimeMs}`;
    if (!this.recorded || version !== this.version) {
      this.version = version;
      this.recorded = readRecordedFile(this.path, this.cfg.data);
    }
    return this.recorded;
  }

  async discoverMarkets(): Promise<MarketSpec[]> {
    const [base, quote] = this.cfg.market.split('/');
    return [{ venue: this.venue, symbol: this.cfg.market, base, quote, type: 'spot', active: true }];
  }

  async *fetchTrades(_market: MarketSpec, cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<Trade>> {
    const rec = await this.load();
    if (rec.kind !== 'trades') throw new Error(`replay source "${this.id}": ${this.cfg.file} holds candles, not trades`);
    const rows = rec.rows;
    const c = (cursor ?? { index: 0 }) as unknown as ReplayCursor;
    if (this.cfg.mode === 'backfill') {
      for (let i = c.index; i < rows.length && !ctx.signal.aborted; i += this.cfg.batchSize) {
        const end = Math.min(i + this.cfg.batchSize, rows.length);
        yield { items: rows.slice(i, end).map(plainTrade), cursor: { index: end } };
      }
      return;
    }
    yield* this.live(rows, c, ctx, (row, loop, ts) => ({ ts, id: `${loop}.${row.id}`, side: row.side, price: row.price, amount: row.amount }));
  }

  async *fetchCandles(_market: MarketSpec, cursor: Cursor | null, ctx: FetchContext): AsyncIterable<CandleBatch> {
    const rec = await this.load();
    if (rec.kind !== 'candles') throw new Error(`replay source "${this.id}": ${this.cfg.file} holds trades, not candles`);
    const resolution = this.cfg.resolution ? parseResolution(this.cfg.resolution)! : inferResolution(rec.rows);
    if (resolution === null) throw new Error(`replay source "${this.id}": cannot infer the candle resolution of ${this.cfg.file}; set "resolution"`);
    const c = (cursor ?? { index: 0 }) as unknown as ReplayCursor;
    if (this.cfg.mode === 'backfill') {
      for (let i = c.index; i < rec.rows.length && !ctx.signal.aborted; i += this.cfg.batchSize) {
        const end = Math.min(i + this.cfg.batchSize, rec.rows.length);
        yield { items: rec.rows.slice(i, end), cursor: { index: end }, resolution };
      }
      return;
    }
    // A candle cannot be made shorter than its resolution, so live candles replay at
    // real-time pace; their times move by whole buckets so they stay aligned.
    const step = resolution * 1000;
    for await (const b of this.live(rec.rows, c, ctx, (row, _loop, ts) => ({ ...row, ts: Math.floor(ts / step) * step }), 1)) {
      yield { ...b, resolution };
    }
  }

  /**
   * Emits rows when their rebased time has come: row time t maps to anchor + (t - t0) / speed.
   * The cursor keeps the anchor, so a restart resumes the same timeline (catching up at once).
   */
  private async *live<R extends { ts: number }, T>(rows: R[], c: ReplayCursor, ctx: FetchContext, emit: (row: R, loop: number, ts: number) => T, speed = this.cfg.speed): AsyncIterable<Batch<T>> {
    if (rows.length === 0) return;
    const t0 = rows[0].ts;
    const span = rows[rows.length - 1].ts - t0;
    let { index, loop = 0, anchor = Date.now() - (this.cfg.backdate ?? 0) } = c;
    while (!ctx.signal.aborted) {
      if (index >= rows.length) {
        if (!this.cfg.loop) return;
        // Next pass starts one second (of replay time) after this one ended.
        anchor += Math.ceil(span / speed) + 1000;
        loop += 1;
        index = 0;
      }
      const now = Date.now();
      const items: T[] = [];
      while (index < rows.length && items.length < this.cfg.batchSize) {
        const at = anchor + Math.floor((rows[index].ts - t0) / speed);
        if (at > now) break;
        items.push(emit(rows[index], loop, at));
        index++;
      }
      if (items.length > 0) {
        yield { items, cursor: { index, loop, anchor } };
        continue;
      }
      const nextAt = index < rows.length ? anchor + Math.floor((rows[index].ts - t0) / speed) : now;
      await sleep(Math.max(1, Math.min(MAX_WAIT_MS, nextAt - now)), undefined, { signal: ctx.signal }).catch(() => undefined);
    }
  }
}

function plainTrade(row: Trade): Trade {
  return { ts: row.ts, id: row.id, side: row.side, price: row.price, amount: row.amount };
}
