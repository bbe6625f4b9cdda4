// The `evm` source: DEX pools (Uniswap v2 pairs, v3 pools) as markets whose swaps are
// trades, and token transfers (ERC-20/721/1155) with the holders they add up to, read from an
// EVM chain over JSON-RPC with viem.
//
// Finality: trades are fetched from final blocks only (head − confirmations), through the
// ingest layer, so a reorg inside the window never reaches them. Transfers are indexed to the
// head into the source's own store (store.ts) and a reorg is found by block hash: the last
// indexed block and the blocks with transfers keep their hashes; when the chain disagrees,
// everything after the newest block that still matches is rolled back and indexed again.
import { BlockNotFoundError, decodeEventLog, getAddress, HttpRequestError, TimeoutError, type BaseError, type Hex } from 'viem';
import { Decimal } from 'decimal.js';
import type { BookLevel, MarketSpec, MetricPoint, OrderBook, Trade } from '../../domain/types.js';
import type { Batch, Cursor, FetchContext, Source, SourceBudget, SourceTask } from '../types.js';
import { erc1155Abi, erc20Abi, erc721Abi, swapToTrade, TOPIC, v2FactoryAbi, v2PairAbi, v3FactoryAbi, v3PoolAbi, type PoolInfo } from './abi.js';
import type { EvmConfig } from './config.js';
import { ChainClient } from './rpc.js';
import { holders, linkAssetAddress, loadFactoryScan, loadTokens, readSync, recentBlocks, rollbackAfter, saveFactoryScan, saveToken, storeRange, type FactoryPool, type TokenMeta, type TransferRow } from './store.js';

interface PoolMarket extends PoolInfo { symbol: string; base: string; quote: string; fromBlock: bigint }
interface BlockCursor { block: string; hash?: string }

export class EvmSource implements Source {
  readonly type = 'evm';
  readonly venueKind = 'dex' as const;
  readonly id: string;
  readonly venue: string;
  readonly chain: ChainClient;
  private readonly pools = new Map<string, PoolMarket>();
  private readonly tokens = new Map<string, TokenMeta>();
  /** The factory has been scanned up to this block. */
  private factoryScanned: bigint | null = null;
  private readonly quoteRank: Map<string, number>;

  constructor(private readonly cfg: EvmConfig) {
    this.id = cfg.id;
    this.venue = cfg.venue ?? cfg.id;
    this.chain = new ChainClient(cfg);
    this.quoteRank = new Map((cfg.dex?.quotes ?? []).map((q, i) => [q.toUpperCase(), i]));
  }

  async tasks(): Promise<SourceTask[]> {
    const t: SourceTask[] = [];
    if (this.cfg.dex) t.push({ kind: 'trades', every: this.cfg.dex.every });
    if (this.cfg.dex?.orderbook) t.push({ kind: 'orderbook', every: this.cfg.dex.orderbook.every });
    if (this.cfg.tokens.length) t.push({ kind: 'metrics', every: this.cfg.every });
    return t;
  }

  budget(task: SourceTask['kind']): SourceBudget | null {
    const c = (m: string) => this.cfg.chain.costs[m] ?? this.cfg.chain.defaultCost;
    const provider = this.chain.provider;
    // Listed pools are known before discovery; a factory's are counted from the stored markets.
    const items = this.cfg.dex && !this.cfg.dex.factory ? this.cfg.dex.pools : null;
    // One run: the head, then per pool (or once for all tokens) a log range and a block for its end.
    if (task === 'trades') return { provider, perRun: c('eth_blockNumber'), perItem: c('eth_blockNumber') + c('eth_getLogs') + c('eth_getBlockByNumber'), items };
    if (task === 'orderbook') return { provider, perRun: 0, perItem: c('eth_blockNumber') + 2 * c('eth_call'), items };
    if (task === 'metrics') return { provider, perRun: c('eth_blockNumber') + c('eth_getLogs') + 2 * c('eth_getBlockByNumber'), perItem: 0, items: null };
    return null;
  }

  private use(ctx: FetchContext): void {
    this.chain.use(ctx.call);
  }

  private final(head: bigint): bigint {
    return head - BigInt(this.cfg.chain.confirmations);
  }

  /** Token metadata: from the store when known, else read once from the chain and stored. */
  private async token(address: Hex, standard: TokenMeta['standard'], ctx: FetchContext): Promise<TokenMeta> {
    const hit = this.tokens.get(address);
    if (hit) return hit;
    if (ctx.pool) {
      const stored = (await loadTokens(ctx.pool, this.cfg.chain.name, [address])).get(address);
      if (stored) {
        this.tokens.set(address, stored);
        return stored;
      }
    }
    const read = async <T>(fn: 'symbol' | 'name' | 'decimals'): Promise<T | null> => {
      try {
        return await this.chain.client.readContract({ address, abi: erc20Abi, functionName: fn }) as T;
      } catch (e) {
        // The node could not be reached: fail the run (it is retried). A revert: the token lacks it.
        if ((e as BaseError).walk?.((x) => x instanceof HttpRequestError || x instanceof TimeoutError)) throw e;
        return null; // optional in ERC-20 and absent from most NFTs
      }
    };
    const decimals = standard === 'erc20' ? await read<number>('decimals') : 0;
    if (standard === 'erc20' && decimals === null) throw new Error(`${this.id}: token ${address} has no decimals(); is it an ERC-20 on chain ${this.cfg.chain.id}?`);
    const meta: TokenMeta = { chain: this.cfg.chain.name, address, standard, symbol: await read<string>('symbol'), name: await read<string>('name'), decimals: decimals === null ? null : Number(decimals) };
    if (ctx.pool) await saveToken(ctx.pool, meta);
    this.tokens.set(address, meta);
    return meta;
  }

  private async addPool(pool: Hex, ctx: FetchContext, tokens?: [Hex, Hex], createdBlock = 0n): Promise<void> {
    if (this.pools.has(pool)) return;
    const protocol = this.cfg.dex!.protocol;
    const abi = protocol === 'uniswap-v2' ? v2PairAbi : v3PoolAbi;
    const [t0, t1] = tokens ?? [
      (await this.chain.client.readContract({ address: pool, abi, functionName: 'token0' })).toLowerCase() as Hex,
      (await this.chain.client.readContract({ address: pool, abi, functionName: 'token1' })).toLowerCase() as Hex,
    ];
    const m0 = await this.token(t0, 'erc20', ctx);
    const m1 = await this.token(t1, 'erc20', ctx);
    const s0 = (m0.symbol ?? t0.slice(0, 8)).toUpperCase();
    const s1 = (m1.symbol ?? t1.slice(0, 8)).toUpperCase();
    const r0 = this.quoteRank.get(s0) ?? Infinity;
    const r1 = this.quoteRank.get(s1) ?? Infinity;
    // The better-ranked token is the quote; when neither is ranked, token0 is the base.
    const baseIs0 = r0 === r1 ? true : r0 > r1;
    const [base, quote] = baseIs0 ? [s0, s1] : [s1, s0];
    const symbol = `${base}/${quote}`;
    const clash = [...this.pools.values()].find((p) => p.symbol === symbol);
    if (clash) {
      ctx.log.warn({ source: this.id, pool, other: clash.pool, symbol }, 'a second pool for the same pair is not indexed (one market per pair and venue)');
      return;
    }
    this.pools.set(pool, { pool, protocol, token0: t0, token1: t1, decimals0: m0.decimals ?? 18, decimals1: m1.decimals ?? 18, baseIs0, symbol, base, quote, fromBlock: createdBlock > BigInt(this.cfg.startBlock) ? createdBlock : BigInt(this.cfg.startBlock) });
    if (ctx.pool) {
      await linkAssetAddress(ctx.pool, s0, m0.name, this.cfg.chain.name, t0);
      await linkAssetAddress(ctx.pool, s1, m1.name, this.cfg.chain.name, t1);
    }
  }

  async discoverMarkets(ctx: FetchContext): Promise<MarketSpec[]> {
    const dex = this.cfg.dex;
    if (!dex) return [];
    this.use(ctx);
    for (const p of dex.pools) await this.addPool(p, ctx);
    if (dex.factory) {
      if (this.factoryScanned === null && ctx.pool) {
        const saved = await loadFactoryScan(ctx.pool, this.id);
        if (saved) {
          for (const p of saved.pools) await this.addPool(p.pool as Hex, ctx, [p.token0 as Hex, p.token1 as Hex], p.createdBlock);
          this.factoryScanned = saved.block;
        }
      }
      const to = this.final(await this.chain.head());
      const from = this.factoryScanned === null ? BigInt(this.cfg.startBlock) : this.factoryScanned + 1n;
      const v2 = dex.protocol === 'uniswap-v2';
      const wanted = dex.withTokens ? new Set<string>(dex.withTokens) : null;
      for await (const { logs, end } of this.chain.logs({ address: dex.factory, topics: [v2 ? TOPIC.pairCreated : TOPIC.poolCreated] }, from, to, ctx.signal)) {
        const found: FactoryPool[] = [];
        for (const l of logs) {
          const topics = l.topics as [Hex, ...Hex[]];
          const { args } = v2
            ? decodeEventLog({ abi: v2FactoryAbi, eventName: 'PairCreated', topics, data: l.data })
            : decodeEventLog({ abi: v3FactoryAbi, eventName: 'PoolCreated', topics, data: l.data });
          const pool = ('pair' in args ? args.pair : args.pool).toLowerCase() as Hex;
          const t0 = args.token0.toLowerCase() as Hex;
          const t1 = args.token1.toLowerCase() as Hex;
          if (wanted && !wanted.has(t0) && !wanted.has(t1)) continue;
          await this.addPool(pool, ctx, [t0, t1], l.blockNumber);
          found.push({ pool, token0: t0, token1: t1, createdBlock: l.blockNumber });
        }
        if (ctx.pool) await saveFactoryScan(ctx.pool, this.id, end, found);
        this.factoryScanned = end;
      }
    }
    return [...this.pools.values()].map((p) => ({
      venue: this.venue, symbol: p.symbol, base: p.base, quote: p.quote, type: 'spot', active: true,
      info: { chain: this.cfg.chain.name, pool: p.pool, protocol: p.protocol, token0: p.token0, token1: p.token1 },
    }));
  }

  private poolOf(market: MarketSpec): PoolMarket {
    const pool = (market.info as { pool?: string } | undefined)?.pool;
    const p = pool ? this.pools.get(pool) : [...this.pools.values()].find((x) => x.symbol === market.symbol);
    if (!p) throw new Error(`${this.id}: no pool for market ${market.symbol}`);
    return p;
  }

  /** Swaps of the market's pool from final blocks, range by range; the cursor is the last block read (and its hash at the end). */
  async *fetchTrades(market: MarketSpec, cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<Trade>> {
    this.use(ctx);
    const p = this.poolOf(market);
    const c = cursor as BlockCursor | null;
    const to = this.final(await this.chain.head());
    if (c?.hash) {
      const now = await this.chain.block({ number: BigInt(c.block) });
      if (now.hash !== c.hash) ctx.log.error({ source: this.id, market: market.symbol, block: c.block }, 'a final block was replaced (a reorg deeper than chain.confirmations): raise confirmations; stored trades are kept');
    }
    // A pool's swaps start where the factory created it.
    const from = c ? BigInt(c.block) + 1n : p.fromBlock;
    if (from > to) return;
    const topic = p.protocol === 'uniswap-v2' ? TOPIC.v2Swap : TOPIC.v3Swap;
    for await (const { logs, end } of this.chain.logs({ address: p.pool, topics: [topic] }, from, to, ctx.signal)) {
      const items: Trade[] = [];
      for (const l of logs) {
        const b = await this.chain.block({ hash: l.blockHash });
        const t = swapToTrade(l, p, b.ts);
        if (t) items.push(t);
      }
      const next: BlockCursor = { block: end.toString() };
      if (end === to) next.hash = (await this.chain.block({ number: end })).hash;
      yield { items, cursor: next as unknown as Cursor };
    }
  }

  /**
   * A synthetic book from the pool's state at the final block: the constant-product curve
   * (v2 reserves; v3 virtual reserves of the active range, L/√P and L·√P) cut at price
   * steps away from the pool price. Each level holds the base traded between two steps, at
   * the step's (worse) price; fees are not included.
   */
  async fetchOrderBook(market: MarketSpec, ctx: FetchContext): Promise<OrderBook> {
    this.use(ctx);
    const p = this.poolOf(market);
    const head = await this.chain.head();
    const at = this.final(head);
    let x: Decimal; // base reserve
    let y: Decimal; // quote reserve
    if (p.protocol === 'uniswap-v2') {
      const [r0, r1] = await this.chain.client.readContract({ address: p.pool, abi: v2PairAbi, functionName: 'getReserves', blockNumber: at });
      const a0 = new Decimal(r0.toString()).div(new Decimal(10).pow(p.decimals0));
      const a1 = new Decimal(r1.toString()).div(new Decimal(10).pow(p.decimals1));
      [x, y] = p.baseIs0 ? [a0, a1] : [a1, a0];
    } else {
      const [sqrtPriceX96] = await this.chain.client.readContract({ address: p.pool, abi: v3PoolAbi, functionName: 'slot0', blockNumber: at });
      const liq = await this.chain.client.readContract({ address: p.pool, abi: v3PoolAbi, functionName: 'liquidity', blockNumber: at });
      const sqrtP = new Decimal(sqrtPriceX96.toString()).div(new Decimal(2).pow(96));
      const L = new Decimal(liq.toString());
      const a0 = L.div(sqrtP).div(new Decimal(10).pow(p.decimals0));
      const a1 = L.mul(sqrtP).div(new Decimal(10).pow(p.decimals1));
      [x, y] = p.baseIs0 ? [a0, a1] : [a1, a0];
    }
    const block = await this.chain.block({ number: at });
    if (x.lte(0) || y.lte(0)) return { ts: block.ts, bids: [], asks: [] };
    const k = x.mul(y);
    const p0 = y.div(x);
    const steps = [...this.cfg.dex!.orderbook!.steps].sort((a, b) => a - b);
    const side = (dir: 1 | -1): BookLevel[] => {
      const out: BookLevel[] = [];
      let prev = new Decimal(0);
      for (const s of steps) {
        if (dir === -1 && s >= 1) break;
        const price = p0.mul(1 + dir * s);
        const xAt = k.div(price).sqrt(); // base reserve when the pool price is `price`
        const cum = dir === 1 ? x.minus(xAt) : xAt.minus(x);
        const amount = cum.minus(prev);
        prev = cum;
        if (amount.gt(0)) out.push([price.toSignificantDigits(12).toFixed(), amount.toSignificantDigits(12).toFixed()]);
      }
      return out;
    };
    return { ts: block.ts, asks: side(1), bids: side(-1) };
  }

  /**
   * Indexes the configured tokens' transfers into the store (see store.ts) up to the head,
   * after rolling back any blocks a reorg replaced; yields each token's holder count now
   * (evm_token_holders{chain, token}).
   */
  async *fetchMetrics(_cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<MetricPoint>> {
    const pool = ctx.pool;
    if (!pool) throw new Error(`${this.id}: transfers need the database (run through the ingest runner)`);
    this.use(ctx);
    const chainName = this.cfg.chain.name;
    const standards = new Map(this.cfg.tokens.map((t) => [t.address, t.standard]));
    for (const t of this.cfg.tokens) await this.token(t.address, t.standard, ctx);
    const head = await this.chain.head();
    let sync = await readSync(pool, this.id);
    if (sync) {
      // A block the chain no longer has (it got shorter) counts as replaced; an unreachable node fails the run.
      const orNull = (n: bigint) => this.chain.block({ number: n }).catch((e: unknown) => {
        if ((e as BaseError).walk?.((x) => x instanceof BlockNotFoundError)) return null;
        throw e;
      });
      const now = await orNull(sync.block);
      if (!now || now.hash !== sync.hash) {
        // Walk back through the remembered blocks to the newest one still on the chain.
        let fork: { block: bigint; hash: string } | null = null;
        for (const b of await recentBlocks(pool, this.id)) {
          if (b.number >= sync.block) continue;
          const c = await orNull(b.number);
          if (c && c.hash === b.hash) {
            fork = { block: b.number, hash: b.hash };
            break;
          }
        }
        if (!fork) {
          // Nothing remembered matches: go back a full confirmation window before the oldest.
          const back = sync.block - BigInt(this.cfg.chain.confirmations) - 1n;
          const start = BigInt(this.cfg.startBlock) - 1n;
          const blockNo = back > start ? back : start;
          fork = { block: blockNo, hash: blockNo >= 0n ? (await this.chain.block({ number: blockNo })).hash : '0x' };
        }
        const removed = await rollbackAfter(pool, this.id, chainName, fork);
        ctx.log.warn({ source: this.id, chain: chainName, from: sync.block.toString(), to: fork.block.toString(), transfers: removed }, 'chain reorg: rolled back the replaced blocks');
        sync = fork;
      }
    }
    const from = sync ? sync.block + 1n : BigInt(this.cfg.startBlock);
    const keepFrom = this.final(head) - 1n;
    const topics = [[TOPIC.transfer, TOPIC.transferSingle, TOPIC.transferBatch]] as Array<Hex[]>;
    if (from <= head) {
      for await (const { logs, end } of this.chain.logs({ address: [...standards.keys()] as Hex[], topics }, from, head, ctx.signal)) {
        const rows: TransferRow[] = [];
        const blocks = new Map<bigint, { number: bigint; hash: string; ts: number }>();
        for (const l of logs) {
          const b = await this.chain.block({ hash: l.blockHash });
          blocks.set(b.number, b);
          rows.push(...decodeTransfers(l, standards.get(l.address)!, b.ts));
        }
        const last = await this.chain.block({ number: end });
        blocks.set(last.number, last);
        await storeRange(pool, this.id, chainName, rows, [...blocks.values()].filter((b) => b.number >= keepFrom), { block: end, hash: last.hash }, keepFrom);
      }
    }
    const points: MetricPoint[] = [];
    const ts = Date.now();
    for (const address of standards.keys()) {
      const h = await holders(pool, chainName, address, 1);
      points.push({ name: 'evm_token_holders', labels: { chain: chainName, token: address }, ts, value: String(h.count) });
    }
    yield { items: points, cursor: { block: head.toString() } };
  }
}

/** Transfer rows of one log (a TransferBatch gives one per id); logs of other shapes give none. */
export function decodeTransfers(l: { address: Hex; topics: Hex[]; data: Hex; blockNumber: bigint; logIndex: number; transactionHash: Hex }, standard: 'erc20' | 'erc721' | 'erc1155', ts: number): TransferRow[] {
  const topics = l.topics as [Hex, ...Hex[]];
  const base = { token: l.address, block: l.blockNumber, logIndex: l.logIndex, txHash: l.transactionHash, ts };
  const lc = (a: string) => getAddress(a).toLowerCase();
  try {
    if (standard === 'erc20' && topics[0] === TOPIC.transfer && topics.length === 3) {
      const { args } = decodeEventLog({ abi: erc20Abi, eventName: 'Transfer', topics, data: l.data });
      return [{ ...base, sub: 0, from: lc(args.from), to: lc(args.to), tokenId: null, amount: args.value.toString() }];
    }
    if (standard === 'erc721' && topics[0] === TOPIC.transfer && topics.length === 4) {
      const { args } = decodeEventLog({ abi: erc721Abi, eventName: 'Transfer', topics, data: l.data });
      return [{ ...base, sub: 0, from: lc(args.from), to: lc(args.to), tokenId: args.tokenId.toString(), amount: '1' }];
    }
    if (standard === 'erc1155' && topics[0] === TOPIC.transferSingle) {
      const { args } = decodeEventLog({ abi: erc1155Abi, eventName: 'TransferSingle', topics, data: l.data });
      return [{ ...base, sub: 0, from: lc(args.from), to: lc(args.to), tokenId: args.id.toString(), amount: args.value.toString() }];
    }
    if (standard === 'erc1155' && topics[0] === TOPIC.transferBatch) {
      const { args } = decodeEventLog({ abi: erc1155Abi, eventName: 'TransferBatch', topics, data: l.data });
      return args.ids.map((id, i) => ({ ...base, sub: i, from: lc(args.from), to: lc(args.to), tokenId: id.toString(), amount: args.values[i].toString() }));
    }
  } catch {
    return [];
  }
  return [];
}
