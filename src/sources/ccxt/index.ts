// The ccxt source: any exchange ccxt supports, public endpoints only. Markets, tickers,
// OHLCV candles and trades, with backfill from a start time and incremental polling after.
import { createHash } from 'node:crypto';
import ccxt, { type Exchange, type Market, type OHLCV, type Ticker, type Trade as CcxtTrade } from 'ccxt';
import { resolveSince } from '../../config/units.js';
import { toDecimalString, toOptionalDecimal } from '../../domain/decimal.js';
import { parseResolution } from '../../domain/resolution.js';
import type { BookLevel, MarketSpec, OrderBook, TickerSnapshot, Trade } from '../../domain/types.js';
import { parseRetryAfter } from '../../budgets/errors.js';
import { unmeteredCall, type Batch, type CandleBatch, type Cursor, type FetchContext, type ProviderCall, type Source, type SourceBudget, type SourceTask } from '../types.js';
import type { CcxtConfig } from './config.js';

interface SinceCursor { since: number }

export function checkCcxtConfig(cfg: CcxtConfig): Array<[(string | number)[], string]> {
  const problems: Array<[(string | number)[], string]> = [];
  if (!(ccxt.exchanges as string[]).includes(cfg.exchange)) {
    const near = (ccxt.exchanges as string[]).filter((e) => e.startsWith(cfg.exchange.slice(0, 3))).slice(0, 5);
    problems.push([['exchange'], `unknown ccxt exchange "${cfg.exchange}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`]);
    return problems;
  }
  const ex = makeExchange(cfg);
  if (cfg.candles) {
    if (!ex.has.fetchOHLCV) problems.push([['candles'], `${cfg.exchange} does not offer OHLCV candles through ccxt`]);
    else if (ex.timeframes && !(cfg.candles.timeframe in ex.timeframes)) problems.push([['candles', 'timeframe'], `${cfg.exchange} has no timeframe "${cfg.candles.timeframe}" (it has ${Object.keys(ex.timeframes).join(', ')})`]);
    else if (parseResolution(cfg.candles.timeframe) === null) problems.push([['candles', 'timeframe'], `"${cfg.candles.timeframe}" is not a whole number of minutes, hours, days or weeks`]);
  }
  if (cfg.trades && !ex.has.fetchTrades) problems.push([['trades'], `${cfg.exchange} does not offer public trades through ccxt`]);
  if (cfg.tickers && !ex.has.fetchTicker && !ex.has.fetchTickers) problems.push([['tickers'], `${cfg.exchange} does not offer tickers through ccxt`]);
  if (cfg.orderbook && !ex.has.fetchOrderBook) problems.push([['orderbook'], `${cfg.exchange} does not offer order books through ccxt`]);
  return problems;
}

function makeExchange(cfg: CcxtConfig): Exchange {
  const Ctor = (ccxt as unknown as Record<string, new (c: object) => Exchange>)[cfg.exchange];
  const ex = new Ctor({ enableRateLimit: true, timeout: cfg.timeout, ...cfg.exchangeConfig });
  // Keep the venue's decimal strings exact instead of rounding through floats.
  ex.number = String as unknown as typeof ex.number;
  if (cfg.apiUrl) ex.urls.api = rebase(ex.urls.api, cfg.apiUrl.replace(/\/+$/, '')) as typeof ex.urls.api;
  return ex;
}

/** Points every API URL of the exchange at another origin, keeping the paths. */
function rebase(api: unknown, origin: string): unknown {
  if (typeof api === 'string') return api.replace(/^https?:\/\/[^/]+/, origin);
  if (api && typeof api === 'object') return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, rebase(v, origin)]));
  return api;
}

export function createCcxtSource(cfg: CcxtConfig): CcxtSource {
  return new CcxtSource(cfg, makeExchange(cfg));
}

export class CcxtSource implements Source {
  readonly type = 'ccxt';
  readonly venueKind = 'exchange' as const;
  readonly id: string;
  readonly venue: string;
  private marketsLoadedAt = 0;
  readonly provider: string;
  /** The provider-call gate of the pass in progress; every HTTP request ccxt makes goes through it. */
  private gate: ProviderCall = unmeteredCall;

  constructor(private readonly cfg: CcxtConfig, private readonly ex: Exchange) {
    this.id = cfg.id;
    this.venue = cfg.venue ?? cfg.exchange;
    this.provider = cfg.provider ?? cfg.exchange;
    const send = ex.fetch.bind(ex);
    ex.fetch = ((url: string, method?: string, headers?: unknown, body?: unknown) => this.gate(this.provider, 1, async () => {
      try {
        return await send(url, method, headers, body);
      } catch (e) {
        // ccxt maps 429 to RateLimitExceeded and 418 to DDoSProtection; hand the gate the Retry-After.
        const h = (ex.last_response_headers ?? {}) as Record<string, string>;
        const retryAfter = h['retry-after'] ?? h['Retry-After'];
        if (retryAfter !== undefined && e && typeof e === 'object') (e as { retryAfterMs?: number | null }).retryAfterMs = parseRetryAfter(retryAfter);
        throw e;
      }
    })) as typeof ex.fetch;
  }

  private use(ctx: FetchContext): void {
    this.gate = ctx.call;
  }

  budget(task: SourceTask['kind']): SourceBudget | null {
    // Tickers come in one request when the venue offers fetchTickers; everything else is one request per market.
    const batched = task === 'tickers' && this.ex.has.fetchTickers;
    return { provider: this.provider, perRun: batched ? 1 : 0, perItem: batched ? 0 : 1, items: this.cfg.markets ?? null };
  }

  applyRate(rate: { perSecond?: number; perMinute?: number }): void {
    // ccxt's own throttle (per process) never runs faster than the declared, shared rate.
    const spacing = Math.max(rate.perSecond ? 1000 / rate.perSecond : 0, rate.perMinute ? 60_000 / rate.perMinute : 0);
    if (spacing > (this.ex.rateLimit ?? 0)) this.ex.rateLimit = spacing;
  }

  async tasks(): Promise<SourceTask[]> {
    const t: SourceTask[] = [];
    if (this.cfg.trades) t.push({ kind: 'trades', every: this.cfg.trades.every });
    if (this.cfg.candles) t.push({ kind: 'candles', every: this.cfg.candles.every });
    if (this.cfg.tickers) t.push({ kind: 'tickers', every: this.cfg.tickers.every });
    if (this.cfg.orderbook) t.push({ kind: 'orderbook', every: this.cfg.orderbook.every });
    return t;
  }

  async discoverMarkets(ctx: FetchContext): Promise<MarketSpec[]> {
    this.use(ctx);
    const stale = Date.now() - this.marketsLoadedAt > this.cfg.refreshMarkets;
    // The first load may use markets given in the exchange config; later ones re-read the venue.
    const markets = await this.ex.loadMarkets(stale && this.marketsLoadedAt > 0);
    if (stale) this.marketsLoadedAt = Date.now();
    let chosen: NonNullable<Market>[];
    if (this.cfg.markets) {
      chosen = this.cfg.markets.map((s) => {
        const m = markets[s];
        if (!m) throw new Error(`market ${s} is not listed on ${this.cfg.exchange}`);
        return m;
      });
    } else {
      const quotes = this.cfg.quotes?.map((q) => q.toUpperCase());
      chosen = Object.values(markets).filter((m): m is NonNullable<Market> => !!m && m.spot === true && m.active !== false && (!quotes || quotes.includes(String(m.quote).toUpperCase())));
    }
    return chosen.map((m) => ({
      venue: this.venue,
      symbol: m.symbol,
      base: String(m.base),
      quote: String(m.quote),
      type: m.type ?? 'spot',
      active: m.active !== false,
      pricePrecision: numberOrNull(m.precision?.price),
      amountPrecision: numberOrNull(m.precision?.amount),
    }));
  }

  async *fetchTrades(market: MarketSpec, cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<Trade>> {
    this.use(ctx);
    const o = this.cfg.trades!;
    let since: number | undefined = (cursor as SinceCursor | null)?.since ?? (o.since ? resolveSince(o.since) : undefined);
    while (!ctx.signal.aborted) {
      const page = await this.ex.fetchTrades(market.symbol, since, o.limit);
      const fresh = page.filter((t) => typeof t.timestamp === 'number' && (since === undefined || t.timestamp >= since));
      if (fresh.length === 0) return;
      const newest = Math.max(...fresh.map((t) => t.timestamp!));
      yield { items: fresh.map(toTrade), cursor: { since: newest } };
      // Without a start time the venue gives its latest page: one page per pass.
      if (since === undefined) return;
      if (newest <= since) {
        // Nothing newer than the cursor: caught up, unless a full page shares one millisecond.
        if (page.length < o.limit) return;
        ctx.log.warn({ market: market.symbol, since }, 'a full page of trades shares one timestamp; skipping to the next millisecond');
        since += 1;
        continue;
      }
      // Page sizes are not a reliable end marker (ccxt drops trades before `since` from
      // pages that venues start at a coarser time), so keep going while pages make progress.
      since = newest;
    }
  }

  async *fetchCandles(market: MarketSpec, cursor: Cursor | null, ctx: FetchContext): AsyncIterable<CandleBatch> {
    this.use(ctx);
    const o = this.cfg.candles!;
    const resolution = parseResolution(o.timeframe)!;
    let since: number | undefined = (cursor as SinceCursor | null)?.since ?? (o.since ? resolveSince(o.since) : undefined);
    while (!ctx.signal.aborted) {
      const page = await this.ex.fetchOHLCV(market.symbol, o.timeframe, since, o.limit);
      const fresh = page.filter((c) => since === undefined || Number(c[0]) >= since);
      if (fresh.length === 0) return;
      const newest = Number(fresh[fresh.length - 1][0]);
      // The cursor stays on the newest (possibly still forming) candle, so it is fetched again.
      yield { items: fresh.map(toCandle), cursor: { since: newest }, resolution };
      if (since === undefined || newest <= since) return;
      since = newest;
    }
  }

  async fetchTickers(markets: MarketSpec[], ctx: FetchContext): Promise<Map<string, TickerSnapshot>> {
    this.use(ctx);
    const symbols = markets.map((m) => m.symbol);
    const out = new Map<string, TickerSnapshot>();
    if (this.ex.has.fetchTickers) {
      const tickers = await this.ex.fetchTickers(symbols);
      for (const s of symbols) if (tickers[s]) out.set(s, toTicker(tickers[s]));
    } else {
      for (const s of symbols) {
        if (ctx.signal.aborted) break;
        out.set(s, toTicker(await this.ex.fetchTicker(s)));
      }
    }
    return out;
  }

  async fetchOrderBook(market: MarketSpec, ctx: FetchContext): Promise<OrderBook> {
    this.use(ctx);
    const ob = await this.ex.fetchOrderBook(market.symbol, this.cfg.orderbook!.depth);
    const side = (levels: unknown[][], name: string): BookLevel[] =>
      levels.map((l) => [toDecimalString(l[0], `${name} price`), toDecimalString(l[1], `${name} amount`)]);
    return { ts: typeof ob.timestamp === 'number' ? ob.timestamp : Date.now(), bids: side(ob.bids, 'bid'), asks: side(ob.asks, 'ask') };
  }

  async close(): Promise<void> {
    await this.ex.close?.();
  }
}

function numberOrNull(v: unknown): number | null {
  const n = Number(v);
  return v === undefined || v === null || Number.isNaN(n) ? null : n;
}

function toTrade(t: CcxtTrade): Trade {
  const price = toDecimalString(t.price, 'trade price');
  const amount = toDecimalString(t.amount, 'trade amount');
  // Trades without a venue id get a deterministic one, so re-fetching never duplicates them.
  const id = t.id ?? 'h' + createHash('sha1').update(`${t.timestamp}|${price}|${amount}|${t.side ?? ''}`).digest('hex').slice(0, 20);
  return { ts: t.timestamp!, id: String(id), side: t.side === 'buy' || t.side === 'sell' ? t.side : null, price, amount };
}

function toCandle(c: OHLCV) {
  return {
    ts: Number(c[0]),
    open: toDecimalString(c[1], 'candle open'),
    high: toDecimalString(c[2], 'candle high'),
    low: toDecimalString(c[3], 'candle low'),
    close: toDecimalString(c[4], 'candle close'),
    volume: toDecimalString(c[5], 'candle volume'),
  };
}

function toTicker(t: Ticker): TickerSnapshot {
  return {
    ts: typeof t.timestamp === 'number' ? t.timestamp : Date.now(),
    last: toOptionalDecimal(t.last ?? t.close, 'ticker last'),
    bid: toOptionalDecimal(t.bid, 'ticker bid'),
    ask: toOptionalDecimal(t.ask, 'ticker ask'),
    high: toOptionalDecimal(t.high, 'ticker high'),
    low: toOptionalDecimal(t.low, 'ticker low'),
    open: toOptionalDecimal(t.open, 'ticker open'),
    baseVolume: toOptionalDecimal(t.baseVolume, 'ticker baseVolume'),
    quoteVolume: toOptionalDecimal(t.quoteVolume, 'ticker quoteVolume'),
    vwap: toOptionalDecimal(t.vwap, 'ticker vwap'),
    changePercent: toOptionalDecimal(t.percentage, 'ticker percentage'),
  };
}
