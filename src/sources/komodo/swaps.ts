// Merging several nodes' copies of the swap index, and turning swaps into trades.
//
// Merge rule (by swap uuid): a finished copy (finished_at > 0 and is_success set) beats an
// unfinished one; of two finished copies the later finished_at wins, and on a tie success
// beats failure. A uuid seen only in a node's `my_swaps` (no amounts) is a pending swap.
//
// Pair rule: a coin name is TICKER[-PLATFORM], split at the first "-" as the Komodo DeFi
// Framework itself does ("USDC-PLG20" → ticker USDC, platform PLG20; "KMD" → KMD, no
// platform). With `variants: merge` a market is between tickers (USDC-PLG20 and USDC-ERC20
// swaps both trade in USDC/KMD; a swap between two variants of one ticker is a bridge, not a
// trade, and is skipped); with `variants: separate` the full coin names are the asset codes.
// Of the two, the quote is the one listed first in `quotes`; when neither is listed, the
// alphabetically first is the base. The taker receives the maker coin, so a swap whose maker
// coin is the base is a "buy" (the taker bought the base) and otherwise a "sell".
// Price = quote amount / base amount; amount = base amount; time = finished_at.
import { Decimal } from 'decimal.js';
import type { Side, Trade } from '../../domain/types.js';
import type { StatsSwapRow, SwapFile } from './sqlite.js';

export type SwapStatus = 'success' | 'failed' | 'pending';

export interface MergedSwap {
  uuid: string;
  makerCoin: string;
  takerCoin: string;
  startedAt: number;
  finishedAt: number | null;
  makerAmount: string;
  takerAmount: string;
  status: SwapStatus;
}

export function splitCoin(coin: string): { ticker: string; platform: string | null } {
  const i = coin.indexOf('-');
  return i <= 0 ? { ticker: coin, platform: null } : { ticker: coin.slice(0, i), platform: coin.slice(i + 1) };
}

function statusOf(r: StatsSwapRow): SwapStatus {
  if (!r.finishedAt || r.isSuccess === null) return 'pending';
  return r.isSuccess === 1 ? 'success' : 'failed';
}

function better(a: MergedSwap, b: MergedSwap): boolean {
  const fa = a.status !== 'pending';
  const fb = b.status !== 'pending';
  if (fa !== fb) return fa;
  if (!fa) return false;
  if ((a.finishedAt ?? 0) !== (b.finishedAt ?? 0)) return (a.finishedAt ?? 0) > (b.finishedAt ?? 0);
  return a.status === 'success' && b.status === 'failed';
}

/** Merges the files' rows by uuid (files in name order, so the result is deterministic). */
export function mergeSwaps(files: SwapFile[]): Map<string, MergedSwap> {
  const out = new Map<string, MergedSwap>();
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const r of f.stats) {
      const s: MergedSwap = {
        uuid: r.uuid, makerCoin: r.makerCoin, takerCoin: r.takerCoin, startedAt: r.startedAt,
        finishedAt: r.finishedAt || null, makerAmount: r.makerAmount, takerAmount: r.takerAmount, status: statusOf(r),
      };
      const prev = out.get(r.uuid);
      if (!prev || better(s, prev)) out.set(r.uuid, s);
    }
  }
  for (const f of files) {
    for (const m of f.mySwaps) {
      if (out.has(m.uuid)) continue;
      // Without amounts a my_swaps row cannot be a trade; it only shows a swap exists.
      out.set(m.uuid, { uuid: m.uuid, makerCoin: m.myCoin, takerCoin: m.otherCoin, startedAt: m.startedAt, finishedAt: null, makerAmount: '', takerAmount: '', status: 'pending' });
    }
  }
  return out;
}

export interface PairRef {
  symbol: string;
  base: string;
  quote: string;
  /** The coin names as the node knows them (for its RPC). */
  baseCoin: string;
  quoteCoin: string;
  makerIsBase: boolean;
}

export class PairRule {
  private readonly rank: Map<string, number>;

  constructor(private readonly variants: 'merge' | 'separate', quotes: string[]) {
    this.rank = new Map(quotes.map((q, i) => [q.toUpperCase(), i]));
  }

  /** The asset code a coin trades as. */
  asset(coin: string): string {
    return (this.variants === 'merge' ? splitCoin(coin).ticker : coin).toUpperCase();
  }

  /** The market of a swap between two coins; null when both are the same asset. */
  pair(makerCoin: string, takerCoin: string): PairRef | null {
    const a = this.asset(makerCoin);
    const b = this.asset(takerCoin);
    if (a === b) return null;
    const ra = this.rank.get(splitCoin(a).ticker) ?? Infinity;
    const rb = this.rank.get(splitCoin(b).ticker) ?? Infinity;
    // The better-ranked coin is the quote; unranked pairs: alphabetically first is the base.
    const makerIsBase = ra !== rb ? ra > rb : a < b;
    const [base, quote, baseCoin, quoteCoin] = makerIsBase ? [a, b, makerCoin, takerCoin] : [b, a, takerCoin, makerCoin];
    return { symbol: `${base}/${quote}`, base, quote, baseCoin, quoteCoin, makerIsBase };
  }
}

/** The trade of a successful swap, or null when its amounts are unusable. */
export function swapTrade(s: MergedSwap, p: PairRef): Trade | null {
  if (s.status !== 'success' || !s.finishedAt) return null;
  let maker: Decimal;
  let taker: Decimal;
  try {
    maker = new Decimal(s.makerAmount);
    taker = new Decimal(s.takerAmount);
  } catch {
    return null;
  }
  if (!maker.isFinite() || !taker.isFinite() || maker.lte(0) || taker.lte(0)) return null;
  const [base, quote] = p.makerIsBase ? [maker, taker] : [taker, maker];
  const side: Side = p.makerIsBase ? 'buy' : 'sell';
  return {
    ts: s.finishedAt * 1000,
    id: s.uuid,
    side,
    price: quote.div(base).toSignificantDigits(20).toFixed(),
    amount: base.toFixed(),
  };
}
