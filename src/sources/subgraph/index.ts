// The `subgraph` source: a Uniswap v2 or v3 subgraph over GraphQL (The Graph or any
// compatible indexer). Pools are markets, their swaps trades; token prices (USD and ETH) and
// pool liquidity/volume are metric series. Every query goes through the provider gate.
//
// Pagination never uses `skip` (The Graph caps it and it gets slower the deeper it goes):
// swaps are read by a (timestamp, id) cursor — all swaps before `ts`, and those at `ts` with
// an id up to `id`, are done; a page of later timestamps that comes back full is cut before
// its last timestamp, whose swaps are then read in id order. Lists of ids go in `id_in` chunks.
import { Decimal } from 'decimal.js';
import { resolveSince } from '../../config/units.js';
import { deadline } from '../../domain/deadline.js';
import type { MarketSpec, MetricPoint, Side, Trade } from '../../domain/types.js';
import { RateLimitedError, parseRetryAfter } from '../../budgets/errors.js';
import type { Batch, Cursor, FetchContext, Source, SourceBudget, SourceTask } from '../types.js';
import type { SubgraphConfig } from './config.js';
import { linkAssetAddress } from '../evm/store.js';

interface GToken { id: string; symbol: string; name?: string; decimals: string }
interface GPool { id: string; token0: GToken; token1: GToken; reserveUSD?: string; totalValueLockedUSD?: string; volumeUSD?: string }
interface GSwap {
  id: string; timestamp: string;
  amount0In?: string; amount1In?: string; amount0Out?: string; amount1Out?: string;
  amount0?: string; amount1?: string;
}
interface SwapCursor { ts: number; id: string }
interface PoolMarket { id: string; symbol: string; base: string; quote: string; baseIs0: boolean; token0: GToken; token1: GToken }

export class GraphQLError extends Error {}

export class SubgraphSource implements Source {
  readonly type = 'subgraph';
  readonly venueKind = 'dex' as const;
  readonly id: string;
  readonly venue: string;
  readonly provider: string;
  private readonly v3: boolean;
  private readonly rank: Map<string, number>;
  private readonly pools = new Map<string, PoolMarket>();

  constructor(private readonly cfg: SubgraphConfig) {
    this.id = cfg.id;
    this.venue = cfg.venue ?? cfg.id;
    this.provider = cfg.provider ?? cfg.id;
    this.v3 = cfg.schema === 'uniswap-v3';
    this.rank = new Map(cfg.quotes.map((q, i) => [q.toUpperCase(), i]));
  }

  async tasks(): Promise<SourceTask[]> {
    const t: SourceTask[] = [];
    if (this.cfg.swaps) t.push({ kind: 'trades', every: this.cfg.swaps.every });
    if (this.cfg.prices) t.push({ kind: 'metrics', every: this.cfg.prices.every });
    return t;
  }

  budget(task: SourceTask['kind']): SourceBudget | null {
    if (task === 'trades') return { provider: this.provider, perRun: this.cfg.cost, perItem: this.cfg.cost, items: null };
    if (task === 'metrics') return { provider: this.provider, perRun: 3 * this.cfg.cost, perItem: 0, items: null };
    return null;
  }

  /** One GraphQL request through the provider gate; GraphQL errors and HTTP failures throw (the job retries). */
  async query<T>(q: string, variables: Record<string, unknown>, ctx: FetchContext): Promise<T> {
    const url = this.cfg.url;
    const shown = url.split('?')[0];
    return ctx.call(this.provider, this.cfg.cost, async () => {
      const limit = deadline(ctx.signal, this.cfg.timeout);
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...(this.cfg.apiKey ? { authorization: `Bearer ${this.cfg.apiKey}` } : {}) },
          body: JSON.stringify({ query: q, variables }),
          signal: limit.signal,
        });
        text = await res.text();
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        throw new Error(`${shown}: ${limit.expired ? `no answer within ${this.cfg.timeout} ms` : (e as Error).message}`);
      } finally {
        limit.done();
      }
      if (res.status === 429) throw new RateLimitedError(`${shown}: HTTP 429`, 429, parseRetryAfter(res.headers.get('retry-after')));
      let body: { data?: T; errors?: Array<{ message: string }> };
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${shown}: HTTP ${res.status}, not JSON (${text.length} bytes)`);
      }
      if (body.errors?.length) throw new GraphQLError(`${shown}: ${body.errors.map((e) => e.message).join('; ')}`);
      if (!res.ok || !body.data) throw new Error(`${shown}: HTTP ${res.status}`);
      return body.data;
    });
  }

  private get poolEntity() {
    return this.v3 ? 'pools' : 'pairs';
  }

  private market(p: GPool): PoolMarket {
    const s0 = p.token0.symbol.toUpperCase();
    const s1 = p.token1.symbol.toUpperCase();
    const r0 = this.rank.get(s0) ?? Infinity;
    const r1 = this.rank.get(s1) ?? Infinity;
    const baseIs0 = r0 === r1 ? true : r0 > r1;
    const [base, quote] = baseIs0 ? [s0, s1] : [s1, s0];
    return { id: p.id, symbol: `${base}/${quote}`, base, quote, baseIs0, token0: p.token0, token1: p.token1 };
  }

  private async fetchPools(ctx: FetchContext): Promise<GPool[]> {
    const tvl = this.v3 ? 'totalValueLockedUSD' : 'reserveUSD';
    const fields = `id ${tvl} volumeUSD token0 { id symbol name decimals } token1 { id symbol name decimals }`;
    if (this.cfg.pools.length === 0) {
      const q = `query Top($first: Int!) { ${this.poolEntity}(first: $first, orderBy: ${tvl}, orderDirection: desc) { ${fields} } }`;
      return (await this.query<Record<string, GPool[]>>(q, { first: this.cfg.top }, ctx))[this.poolEntity];
    }
    const out: GPool[] = [];
    for (let i = 0; i < this.cfg.pools.length; i += this.cfg.pageSize) {
      const ids = this.cfg.pools.slice(i, i + this.cfg.pageSize);
      const q = `query Pools($ids: [ID!]!, $first: Int!) { ${this.poolEntity}(first: $first, where: { id_in: $ids }) { ${fields} } }`;
      out.push(...(await this.query<Record<string, GPool[]>>(q, { ids, first: ids.length }, ctx))[this.poolEntity]);
    }
    const missing = this.cfg.pools.filter((id) => !out.some((p) => p.id === id));
    if (missing.length) ctx.log.warn({ source: this.id, missing }, 'pools not found in the subgraph');
    return out;
  }

  async discoverMarkets(ctx: FetchContext): Promise<MarketSpec[]> {
    const pools = await this.fetchPools(ctx);
    const specs: MarketSpec[] = [];
    const seen = new Set<string>();
    for (const p of pools) {
      const m = this.market(p);
      if (seen.has(m.symbol)) {
        ctx.log.warn({ source: this.id, pool: p.id, symbol: m.symbol }, 'a second pool for the same pair is not tracked (one market per pair and venue)');
        continue;
      }
      seen.add(m.symbol);
      this.pools.set(m.id, m);
      if (ctx.pool && this.cfg.platform) {
        for (const t of [p.token0, p.token1]) await linkAssetAddress(ctx.pool, t.symbol.toUpperCase(), t.name ?? null, this.cfg.platform, t.id);
      }
      specs.push({ venue: this.venue, symbol: m.symbol, base: m.base, quote: m.quote, type: 'spot', active: true, info: { pool: m.id } });
    }
    return specs;
  }

  private poolOf(market: MarketSpec): PoolMarket {
    const id = (market.info as { pool?: string } | undefined)?.pool;
    const p = id ? this.pools.get(id) : [...this.pools.values()].find((x) => x.symbol === market.symbol);
    if (!p) throw new Error(`${this.id}: no pool for market ${market.symbol}`);
    return p;
  }

  private swapFields(): string {
    return this.v3 ? 'id timestamp amount0 amount1' : 'id timestamp amount0In amount1In amount0Out amount1Out';
  }

  async *fetchTrades(market: MarketSpec, cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<Trade>> {
    const p = this.poolOf(market);
    const key = this.v3 ? 'pool' : 'pair';
    const n = this.cfg.pageSize;
    let c: SwapCursor = (cursor as SwapCursor | null) ?? { ts: Math.floor(resolveSince(this.cfg.swaps?.since ?? { agoMs: 86_400_000 }) / 1000) - 1, id: '\uffff' };
    const sameTs = `query Same($pool: String!, $ts: BigInt!, $id: ID!, $first: Int!) {
      swaps(first: $first, orderBy: id, orderDirection: asc, where: { ${key}: $pool, timestamp: $ts, id_gt: $id }) { ${this.swapFields()} } }`;
    const later = `query Later($pool: String!, $ts: BigInt!, $first: Int!) {
      swaps(first: $first, orderBy: timestamp, orderDirection: asc, where: { ${key}: $pool, timestamp_gt: $ts }) { ${this.swapFields()} } }`;
    while (!ctx.signal.aborted) {
      // The rest of the swaps at the cursor's timestamp, in id order.
      while (c.id !== '\uffff') {
        const page = (await this.query<{ swaps: GSwap[] }>(sameTs, { pool: p.id, ts: String(c.ts), id: c.id, first: n }, ctx)).swaps;
        if (page.length === 0) break;
        c = { ts: c.ts, id: page[page.length - 1].id };
        yield { items: this.trades(page, p), cursor: c as unknown as Cursor };
        if (page.length < n) break;
      }
      const page = (await this.query<{ swaps: GSwap[] }>(later, { pool: p.id, ts: String(c.ts), first: n }, ctx)).swaps;
      if (page.length === 0) return;
      const lastTs = Number(page[page.length - 1].timestamp);
      if (page.length < n) {
        // Everything after the cursor came back: the cursor moves to the last timestamp, all its swaps done.
        const atLast = page.filter((s) => Number(s.timestamp) === lastTs).map((s) => s.id).sort();
        yield { items: this.trades(page, p), cursor: { ts: lastTs, id: atLast[atLast.length - 1] } };
        return;
      }
      // A full page: keep the swaps before its last timestamp; that timestamp is read next by id.
      const done = page.filter((s) => Number(s.timestamp) < lastTs);
      c = { ts: lastTs, id: '' };
      yield { items: this.trades(done, p), cursor: c as unknown as Cursor };
    }
  }

  /** Swaps as trades: the trader's net flows (amounts are already in whole tokens); side from the base's direction. */
  private trades(swaps: GSwap[], p: PoolMarket): Trade[] {
    const out: Trade[] = [];
    for (const s of swaps) {
      let in0: Decimal;
      let in1: Decimal;
      if (this.v3) {
        in0 = new Decimal(s.amount0!);
        in1 = new Decimal(s.amount1!);
      } else {
        in0 = new Decimal(s.amount0In!).minus(s.amount0Out!);
        in1 = new Decimal(s.amount1In!).minus(s.amount1Out!);
      }
      const baseIn = p.baseIs0 ? in0 : in1;
      const quoteIn = p.baseIs0 ? in1 : in0;
      if (baseIn.isZero() || quoteIn.isZero()) continue;
      const side: Side = baseIn.isNegative() ? 'buy' : 'sell';
      const base = baseIn.abs();
      out.push({ ts: Number(s.timestamp) * 1000, id: s.id, side, price: quoteIn.abs().div(base).toSignificantDigits(20).toFixed(), amount: base.toFixed() });
    }
    return out;
  }

  /**
   * Token prices: token_price_usd / token_price_eth {venue, token, symbol} (derivedETH × the
   * bundle's ETH price), and pool figures: pool_liquidity_usd / pool_volume_usd {venue, pool,
   * market}; all at the subgraph's latest indexed block time.
   */
  async *fetchMetrics(_cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<MetricPoint>> {
    if (this.pools.size === 0 && this.cfg.swaps) await this.discoverMarkets(ctx);
    const pools = this.cfg.swaps ? [...this.pools.values()] : (await this.fetchPools(ctx)).map((p) => this.market(p));
    const ids = [...new Set([...(this.cfg.prices?.tokens ?? []), ...pools.flatMap((p) => [p.token0.id, p.token1.id])])];
    const ethField = this.v3 ? 'ethPriceUSD' : 'ethPrice';
    const head = await this.query<{ bundle: Record<string, string> | null; _meta?: { block: { timestamp?: number | null } } }>(
      `query Bundle { bundle(id: "1") { ${ethField} } _meta { block { timestamp } } }`, {}, ctx);
    if (!head.bundle) throw new Error(`${this.id}: the subgraph has no bundle "1" (is it a Uniswap ${this.cfg.schema} subgraph?)`);
    const ethUsd = new Decimal(head.bundle[ethField]);
    const ts = head._meta?.block.timestamp ? head._meta.block.timestamp * 1000 : Date.now();
    const points: MetricPoint[] = [];
    for (let i = 0; i < ids.length; i += this.cfg.pageSize) {
      const chunk = ids.slice(i, i + this.cfg.pageSize);
      const r = await this.query<{ tokens: Array<{ id: string; symbol: string; derivedETH: string }> }>(
        'query Tokens($ids: [ID!]!, $first: Int!) { tokens(first: $first, where: { id_in: $ids }) { id symbol derivedETH } }', { ids: chunk, first: chunk.length }, ctx);
      for (const t of r.tokens) {
        const eth = new Decimal(t.derivedETH);
        const labels = { venue: this.venue, token: t.id, symbol: t.symbol };
        points.push({ name: 'token_price_eth', labels, ts, value: eth.toFixed() });
        points.push({ name: 'token_price_usd', labels, ts, value: eth.mul(ethUsd).toSignificantDigits(20).toFixed() });
      }
    }
    if (pools.length) {
      const tvl = this.v3 ? 'totalValueLockedUSD' : 'reserveUSD';
      for (let i = 0; i < pools.length; i += this.cfg.pageSize) {
        const chunk = pools.slice(i, i + this.cfg.pageSize);
        const r = await this.query<Record<string, GPool[]>>(
          `query PoolStats($ids: [ID!]!, $first: Int!) { ${this.poolEntity}(first: $first, where: { id_in: $ids }) { id ${tvl} volumeUSD } }`, { ids: chunk.map((p) => p.id), first: chunk.length }, ctx);
        for (const g of r[this.poolEntity]) {
          const m = chunk.find((p) => p.id === g.id)!;
          const labels = { venue: this.venue, pool: g.id, market: m.symbol };
          const liq = this.v3 ? g.totalValueLockedUSD : g.reserveUSD;
          if (liq !== undefined) points.push({ name: 'pool_liquidity_usd', labels, ts, value: new Decimal(liq).toFixed() });
          if (g.volumeUSD !== undefined) points.push({ name: 'pool_volume_usd', labels, ts, value: new Decimal(g.volumeUSD).toFixed() });
        }
      }
    }
    yield { items: points, cursor: { at: ts } };
  }
}
