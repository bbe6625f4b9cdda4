// The `komodo` source: Komodo DeFi Framework (AtomicDEX / MM2) swap databases from several
// nodes, merged without duplicates, as trades of one venue; failed and pending swaps as
// metric series; live order books from a node's RPC.
//
// Incremental reads: a file is parsed again only when its size or mtime changed (a cache per
// process), and each market's cursor remembers, per file, its signature, its highest row id
// (and that row's uuid, to notice a file replaced by another), and the uuids still unfinished
// in it. A pass hands the writer only the swaps in rows added since (or unfinished then), so
// a changed file costs its new rows, not the whole history. The writer ignores trades it has
// (trade id = swap uuid), so a re-read after a crash is harmless.
import { resolve } from 'node:path';
import { Decimal } from 'decimal.js';
import { toDecimalString } from '../../domain/decimal.js';
import { deadline } from '../../domain/deadline.js';
import type { BookLevel, MarketSpec, MetricPoint, OrderBook, Trade } from '../../domain/types.js';
import type { Batch, Cursor, FetchContext, Source, SourceBudget, SourceTask } from '../types.js';
import type { KomodoConfig } from './config.js';
import { fileSig, listSwapFiles, readSwapFile, relName, UnreadableFile, type SwapFile } from './sqlite.js';
import { mergeSwaps, PairRule, swapTrade, type MergedSwap, type PairRef } from './swaps.js';

interface FileMark {
  sig: string;
  maxId: number;
  lastUuid: string | null;
  pending: string[];
}
interface TradesCursor { files: Record<string, FileMark> }

interface State {
  files: SwapFile[];
  swaps: Map<string, MergedSwap>;
  /** uuid → market symbol. */
  market: Map<string, PairRef>;
  /** Markets by symbol, with the coin pairs (variants) seen. */
  markets: Map<string, { ref: PairRef; coins: Set<string> }>;
  /** Files present but unreadable this pass, with no earlier copy to use. */
  skipped: Set<string>;
}

const BATCH = 5000;

export class KomodoSource implements Source {
  readonly type = 'komodo';
  readonly venueKind = 'dex' as const;
  readonly id: string;
  readonly venue: string;
  readonly dir: string;
  readonly provider: string;
  private readonly rule: PairRule;
  /** Last good parse of each file, keyed by name. */
  private readonly cache = new Map<string, SwapFile>();
  private state: State | null = null;
  /** Files parsed since start (for tests and logs: unchanged files are not parsed again). */
  parsed = 0;

  constructor(private readonly cfg: KomodoConfig, baseDir: string) {
    this.id = cfg.id;
    this.venue = cfg.venue;
    this.dir = resolve(baseDir, cfg.path);
    this.provider = cfg.rpc?.provider ?? cfg.id;
    this.rule = new PairRule(cfg.variants, cfg.quotes);
  }

  async tasks(): Promise<SourceTask[]> {
    const t: SourceTask[] = [{ kind: 'trades', every: this.cfg.every }, { kind: 'metrics', every: this.cfg.every }];
    if (this.cfg.rpc) t.push({ kind: 'orderbook', every: this.cfg.rpc.every });
    return t;
  }

  budget(task: SourceTask['kind']): SourceBudget | null {
    // Only the order books go out to a provider; the databases are local files.
    return task === 'orderbook' && this.cfg.rpc ? { provider: this.provider, perRun: 0, perItem: 1, items: null } : null;
  }

  /** Re-reads changed files (each consistently or not at all) and merges every node's swaps. */
  async refresh(ctx: FetchContext): Promise<State> {
    let paths: string[];
    try {
      paths = await listSwapFiles(this.dir, this.cfg.extensions);
    } catch (e) {
      throw new Error(`${this.id}: cannot read the swap database folder ${this.dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const files: SwapFile[] = [];
    const seen = new Set<string>();
    const skipped = new Set<string>();
    for (const p of paths) {
      const cached = this.cache.get(relName(this.dir, p));
      let sig: string;
      try {
        sig = await fileSig(p);
      } catch {
        continue; // removed meanwhile
      }
      if (cached && cached.sig === sig) {
        files.push(cached);
        seen.add(cached.name);
        continue;
      }
      const got = await this.readWithRetries(p, ctx);
      if (got) {
        this.parsed++;
        this.cache.set(got.name, got);
        files.push(got);
        seen.add(got.name);
      } else if (cached) {
        // Keep using the last consistent copy of this node's file until the new one reads.
        files.push(cached);
        seen.add(cached.name);
      } else skipped.add(relName(this.dir, p));
    }
    for (const name of [...this.cache.keys()]) if (!seen.has(name)) this.cache.delete(name);
    const swaps = mergeSwaps(files);
    const market = new Map<string, PairRef>();
    const markets = new Map<string, { ref: PairRef; coins: Set<string> }>();
    for (const s of swaps.values()) {
      const ref = this.rule.pair(s.makerCoin, s.takerCoin);
      if (!ref) continue;
      market.set(s.uuid, ref);
      if (s.status !== 'success') continue;
      const m = markets.get(ref.symbol) ?? { ref, coins: new Set<string>() };
      m.coins.add(`${ref.baseCoin}/${ref.quoteCoin}`);
      markets.set(ref.symbol, m);
    }
    for (const pair of this.cfg.rpc?.pairs ?? []) {
      const [b, q] = pair.split('/');
      const ref = this.rule.pair(b, q);
      if (!ref) continue;
      const m = markets.get(ref.symbol) ?? { ref, coins: new Set<string>() };
      m.coins.add(`${ref.baseCoin}/${ref.quoteCoin}`);
      markets.set(ref.symbol, m);
    }
    this.state = { files, swaps, market, markets, skipped };
    return this.state;
  }

  private async readWithRetries(path: string, ctx: FetchContext): Promise<SwapFile | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await readSwapFile(this.dir, path);
      } catch (e) {
        if (!(e instanceof UnreadableFile)) throw e;
        if (attempt >= this.cfg.retries || ctx.signal.aborted) {
          ctx.log.warn({ source: this.id, err: e.message }, 'skipping a swap database that cannot be read consistently; it is read again next pass');
          return null;
        }
        await new Promise((r) => setTimeout(r, this.cfg.retryDelay));
      }
    }
  }

  async discoverMarkets(ctx: FetchContext): Promise<MarketSpec[]> {
    const st = await this.refresh(ctx);
    return [...st.markets.values()]
      .sort((a, b) => (a.ref.symbol < b.ref.symbol ? -1 : 1))
      .map(({ ref, coins }) => ({
        venue: this.venue, symbol: ref.symbol, base: ref.base, quote: ref.quote, type: 'spot', active: true,
        info: { coins: [...coins].sort() },
      }));
  }

  async *fetchTrades(market: MarketSpec, cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<Trade>> {
    const st = this.state ?? await this.refresh(ctx);
    const prev = (cursor as TradesCursor | null)?.files ?? {};
    const candidates = new Set<string>();
    const next: Record<string, FileMark> = {};
    for (const f of st.files) {
      const mark = prev[f.name];
      const last = f.stats[f.stats.length - 1];
      next[f.name] = {
        sig: f.sig,
        maxId: last?.id ?? 0,
        lastUuid: last?.uuid ?? null,
        pending: f.stats.filter((r) => !r.finishedAt || r.isSuccess === null).map((r) => r.uuid),
      };
      if (mark && mark.sig === f.sig) continue;
      const same = mark && mark.maxId > 0 ? f.stats.find((r) => r.id === mark.maxId) : undefined;
      if (mark && (mark.maxId === 0 || (same && same.uuid === mark.lastUuid))) {
        // Appended to since: the new rows, plus the rows that were unfinished then.
        const pending = new Set(mark.pending);
        for (const r of f.stats) if (r.id > mark.maxId || pending.has(r.uuid)) candidates.add(r.uuid);
      } else {
        for (const r of f.stats) candidates.add(r.uuid); // new or replaced file
      }
    }
    // Files skipped this pass keep their old marks, so they are looked at again.
    for (const [name, mark] of Object.entries(prev)) if (!(name in next) && st.skipped.has(name)) next[name] = mark;
    const trades: Trade[] = [];
    for (const uuid of candidates) {
      const ref = st.market.get(uuid);
      if (!ref || ref.symbol !== market.symbol) continue;
      const t = swapTrade(st.swaps.get(uuid)!, ref);
      if (t) trades.push(t);
    }
    trades.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
    const done: Cursor = { files: next };
    if (trades.length === 0) {
      if (JSON.stringify(prev) !== JSON.stringify(next)) yield { items: [], cursor: done };
      return;
    }
    for (let i = 0; i < trades.length; i += BATCH) {
      const last = i + BATCH >= trades.length;
      // Only the last batch moves the cursor: a pass cut short is redone (the writer skips what it has).
      yield { items: trades.slice(i, i + BATCH), cursor: last ? done : (cursor ?? { files: {} }) };
    }
  }

  /**
   * Swap counts per market and UTC day: komodo_swaps{venue, market, status=success|failed},
   * plus komodo_swaps_pending{venue} (swaps started but not finished in any copy), observed now.
   * Failed swaps are counted here and never become trades.
   */
  async *fetchMetrics(cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<MetricPoint>> {
    const st = await this.refresh(ctx);
    const fingerprint = st.files.map((f) => `${f.name}=${f.sig}`).join('|');
    if ((cursor as { fingerprint?: string } | null)?.fingerprint === fingerprint) return;
    const counts = new Map<string, number>();
    let pending = 0;
    for (const s of st.swaps.values()) {
      if (s.status === 'pending') {
        pending++;
        continue;
      }
      const ref = st.market.get(s.uuid);
      const market = ref?.symbol ?? `${s.makerCoin}/${s.takerCoin}`;
      const day = Math.floor((s.finishedAt ?? 0) / 86_400) * 86_400_000;
      const key = JSON.stringify([market, s.status, day]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const points: MetricPoint[] = [...counts].map(([key, n]) => {
      const [market, status, day] = JSON.parse(key) as [string, string, number];
      return { name: 'komodo_swaps', labels: { venue: this.venue, market, status }, ts: day, value: String(n) };
    });
    points.push({ name: 'komodo_swaps_pending', labels: { venue: this.venue }, ts: Date.now(), value: String(pending) });
    yield { items: points, cursor: { fingerprint } };
  }

  /** The market's book from the node's RPC `orderbook` method; platform variants of a merged market are combined. */
  async fetchOrderBook(market: MarketSpec, ctx: FetchContext): Promise<OrderBook> {
    const rpc = this.cfg.rpc;
    if (!rpc) throw new Error(`${this.id}: no rpc configured for order books`);
    const userpass = process.env[rpc.userpassEnv];
    if (!userpass) throw new Error(`${this.id}: environment variable ${rpc.userpassEnv} (the node's userpass) is not set`);
    const coins = ((market.info as { coins?: string[] } | undefined)?.coins ?? [`${market.base}/${market.quote}`]);
    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    let ts = 0;
    for (const pair of coins) {
      const [base, rel] = pair.split('/');
      const body = await this.rpcCall(rpc, userpass, { method: 'orderbook', base, rel }, ctx);
      const book = parseBook(body, `${base}/${rel}`);
      bids.push(...book.bids);
      asks.push(...book.asks);
      ts = Math.max(ts, book.ts);
    }
    return { ts: ts || Date.now(), bids: combine(bids, 'desc').slice(0, rpc.depth), asks: combine(asks, 'asc').slice(0, rpc.depth) };
  }

  private rpcCall(rpc: NonNullable<KomodoConfig['rpc']>, userpass: string, params: Record<string, unknown>, ctx: FetchContext): Promise<unknown> {
    return ctx.call(this.provider, 1, async () => {
      const limit = deadline(ctx.signal, rpc.timeout);
      let res: Response;
      let text: string;
      try {
        res = await fetch(rpc.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userpass, ...params }), signal: limit.signal });
        text = await res.text();
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        throw new Error(`${rpc.url}: ${limit.expired ? `no answer within ${rpc.timeout} ms` : (e as Error).message}`);
      } finally {
        limit.done();
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${rpc.url}: ${params.method}: HTTP ${res.status}, not JSON (${text.length} bytes)`);
      }
      const err = (body as { error?: unknown } | null)?.error;
      if (!res.ok || err) throw new Error(`${rpc.url}: ${params.method}: ${typeof err === 'string' ? err : `HTTP ${res.status}`}`);
      return body;
    });
  }
}

/** A decimal from the legacy API (a string) or mmrpc 2.0 (`{decimal: "…"}`). */
function dec(v: unknown, what: string): string {
  if (v && typeof v === 'object' && 'decimal' in v) return toDecimalString((v as { decimal: unknown }).decimal, what);
  return toDecimalString(v, what);
}

interface RpcOrder { price?: unknown; base_max_volume?: unknown; maxvolume?: unknown }

/**
 * Parses a legacy (`{asks, bids, timestamp}`) or mmrpc 2.0 (`{result: {asks, bids, timestamp}}`)
 * `orderbook` answer. Prices are in rel per base; sizes are base_max_volume (legacy nodes
 * without it: asks' maxvolume is in base, bids' maxvolume in rel).
 */
export function parseBook(body: unknown, pair: string): OrderBook {
  const b = ((body as { result?: unknown })?.result ?? body) as { asks?: RpcOrder[]; bids?: RpcOrder[]; timestamp?: number };
  if (!b || !Array.isArray(b.asks) || !Array.isArray(b.bids)) throw new Error(`orderbook ${pair}: unexpected answer (no asks/bids arrays)`);
  const side = (orders: RpcOrder[], name: 'bid' | 'ask'): BookLevel[] => orders.map((o, i) => {
    const price = dec(o.price, `${pair} ${name} ${i} price`);
    let size: string;
    if (o.base_max_volume !== undefined) size = dec(o.base_max_volume, `${pair} ${name} ${i} base_max_volume`);
    else if (name === 'ask') size = dec(o.maxvolume, `${pair} ${name} ${i} maxvolume`);
    else size = new Decimal(dec(o.maxvolume, `${pair} ${name} ${i} maxvolume`)).div(price).toSignificantDigits(20).toFixed();
    return [price, size];
  });
  const ts = typeof b.timestamp === 'number' ? (b.timestamp < 1e11 ? b.timestamp * 1000 : b.timestamp) : Date.now();
  return { ts, bids: side(b.bids, 'bid'), asks: side(b.asks, 'ask') };
}

/** Sorts levels best first and adds up sizes at equal prices (exactly). */
function combine(levels: BookLevel[], order: 'asc' | 'desc'): BookLevel[] {
  const by = new Map<string, { p: Decimal; size: Decimal }>();
  for (const [price, size] of levels) {
    const p = new Decimal(price);
    const key = p.toFixed();
    const e = by.get(key) ?? { p, size: new Decimal(0) };
    e.size = e.size.plus(size);
    by.set(key, e);
  }
  return [...by.values()]
    .sort((a, b) => (order === 'asc' ? a.p.cmp(b.p) : b.p.cmp(a.p)))
    .map((e) => [e.p.toFixed(), e.size.toFixed()]);
}
