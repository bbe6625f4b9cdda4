// The chain client of the evm source: viem over the configured RPC URLs (failover in order,
// sticky to the URL that answers),
// every JSON-RPC request passed through the provider gate at its method's cost (compute
// units), and eth_getLogs over block ranges sized adaptively: a range the node refuses
// (too many results, range too large) is halved and retried; answers that stay small let
// the next range double, up to logRange.max.
import { createPublicClient, custom, http, HttpRequestError, numberToHex, TimeoutError, type Hex, type PublicClient } from 'viem';
import { unmeteredCall, type ProviderCall } from '../types.js';
import type { EvmConfig } from './config.js';

export interface RawLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hex;
  logIndex: number;
}

interface RpcLog {
  address: Hex; topics: Hex[]; data: Hex; blockNumber: Hex; blockHash: Hex; transactionHash: Hex; logIndex: Hex; removed?: boolean;
}

const RANGE_ERROR = /range|too many|more than|limit|exceed|too large|response size|10000 results|block count/i;

export function isRangeError(e: unknown): boolean {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; cur && i < 6; i++) {
    const x = cur as { message?: string; details?: string; shortMessage?: string; cause?: unknown };
    parts.push(x.message ?? '', x.details ?? '', x.shortMessage ?? '');
    cur = x.cause;
  }
  return RANGE_ERROR.test(parts.join(' '));
}

export class ChainClient {
  readonly client: PublicClient;
  readonly provider: string;
  private gate: ProviderCall = unmeteredCall;
  /** Current eth_getLogs range (blocks); adapts as the node answers. */
  range: number;
  private readonly blockCache = new Map<string, { number: bigint; hash: Hex; ts: number }>();
  /** Requests sent, by method (for logs and tests). */
  readonly sent = new Map<string, number>();

  constructor(private readonly cfg: EvmConfig) {
    this.provider = cfg.chain.provider ?? cfg.id;
    this.range = cfg.logRange.initial;
    const urls = cfg.chain.rpc.map((u) => http(u, { timeout: cfg.chain.timeout, retryCount: 0 })({ retryCount: 0 }));
    this.client = createPublicClient({
      transport: custom({
        request: ({ method, params }: { method: string; params?: unknown }) => {
          const cost = cfg.chain.costs[method] ?? cfg.chain.defaultCost;
          return this.gate(this.provider, cost, () => {
            this.sent.set(method, (this.sent.get(method) ?? 0) + 1);
            return this.failover(urls, { method, params });
          });
        },
      }, { retryCount: 0 }),
    }) as PublicClient;
  }

  /** The URL in use; a URL that fails at the transport level (down, timeout, HTTP error) hands over to the next. */
  private current = 0;
  private failedAt = 0;

  private async failover(urls: Array<{ request: (a: never) => Promise<unknown> }>, args: { method: string; params?: unknown }): Promise<unknown> {
    // Go back to the first (preferred) URL a minute after leaving it.
    if (this.current !== 0 && Date.now() - this.failedAt > 60_000) this.current = 0;
    let last: unknown;
    for (let i = 0; i < urls.length; i++) {
      const at = (this.current + i) % urls.length;
      try {
        const r = await urls[at].request(args as never);
        if (at !== this.current) {
          this.current = at;
          this.failedAt = Date.now();
        }
        return r;
      } catch (e) {
        // JSON-RPC errors are the node's answer (e.g. a log range too wide): no failover.
        if (!(e instanceof HttpRequestError) && !(e instanceof TimeoutError)) throw e;
        last = e;
      }
    }
    throw last;
  }

  use(call: ProviderCall): void {
    this.gate = call;
  }

  private checked = false;
  async checkChain(): Promise<void> {
    if (this.checked) return;
    const id = await this.client.getChainId();
    if (id !== this.cfg.chain.id) throw new Error(`${this.cfg.id}: the RPC serves chain id ${id}, not ${this.cfg.chain.id} (chain.id)`);
    this.checked = true;
  }

  async head(): Promise<bigint> {
    await this.checkChain();
    return this.client.getBlockNumber({ cacheTime: 0 });
  }

  /** A block's hash and time, by number (never cached: a reorg changes it) or by hash (cached). */
  async block(ref: { number: bigint } | { hash: Hex }): Promise<{ number: bigint; hash: Hex; ts: number }> {
    if ('hash' in ref) {
      const hit = this.blockCache.get(ref.hash);
      if (hit) return hit;
    }
    const b = 'hash' in ref ? await this.client.getBlock({ blockHash: ref.hash }) : await this.client.getBlock({ blockNumber: ref.number });
    const out = { number: b.number!, hash: b.hash!, ts: Number(b.timestamp) * 1000 };
    if (this.blockCache.size > 10_000) this.blockCache.clear();
    this.blockCache.set(out.hash, out);
    return out;
  }

  /**
   * Logs of `address` (one or many) matching `topics` from `from` to `to` inclusive, range by
   * range, in chain order (so callers can store and move their cursor range by range).
   */
  async *logs(filter: { address: Hex | Hex[]; topics?: Array<Hex | Hex[] | null> }, from: bigint, to: bigint, signal?: AbortSignal): AsyncGenerator<{ logs: RawLog[]; end: bigint }> {
    let start = from;
    while (start <= to && !signal?.aborted) {
      const end = minBig(to, start + BigInt(this.range) - 1n);
      let raw: RpcLog[];
      try {
        raw = await this.client.request({
          method: 'eth_getLogs',
          params: [{ address: filter.address, topics: filter.topics as never, fromBlock: numberToHex(start), toBlock: numberToHex(end) }],
        } as never) as RpcLog[];
      } catch (e) {
        if (isRangeError(e) && end > start) {
          this.range = Math.max(1, Math.floor(Number(end - start + 1n) / 2));
          continue;
        }
        throw e;
      }
      if (raw.length < this.cfg.logRange.quietBelow && Number(end - start + 1n) >= this.range) this.range = Math.min(this.cfg.logRange.max, this.range * 2);
      const logs = raw.filter((l) => !l.removed).map((l) => ({
        address: l.address.toLowerCase() as Hex, topics: l.topics, data: l.data, blockNumber: BigInt(l.blockNumber), blockHash: l.blockHash,
        transactionHash: l.transactionHash, logIndex: Number(l.logIndex),
      })).sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
      yield { logs, end };
      start = end + 1n;
    }
  }
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
