// A small hand-checkable market world for the analytics tests: four venues trading BTC/USDT
// (one an outlier, one stale), ETH/USDT, and XRP/ETH priced in USD through ETH.
import { upsertMarkets, upsertVenue } from '../../src/ingest/catalog.js';
import { writeTrades } from '../../src/ingest/writers.js';
import type { Pool } from '../../src/db/pool.js';

export const NOW = Date.UTC(2024, 0, 10, 12, 0, 0);
const MIN = 60_000;
const H = 3_600_000;

/** [venue, symbol, [msBeforeNow, price, amount][]] */
export const SEED: Array<[string, string, Array<[number, string, string]>]> = [
  ['a', 'BTC/USDT', [[25 * H, '90', '1'], [30 * MIN, '100', '2'], [10 * MIN, '102', '1']]],
  ['b', 'BTC/USDT', [[3 * H, '100', '1'], [2 * H, '110', '1'], [20 * MIN, '101', '1']]],
  ['c', 'BTC/USDT', [[5 * MIN, '120', '1']]],
  ['d', 'BTC/USDT', [[8 * H, '99', '1']]],
  ['d', 'ETH/USDT', [[15 * MIN, '2000', '1']]],
  ['a', 'XRP/ETH', [[12 * MIN, '0.0005', '1000']]],
];

export async function seedMarkets(pool: Pool, now = NOW): Promise<Map<string, number>> {
  const pks = new Map<string, number>();
  for (const [venue, symbol, trades] of SEED) {
    await upsertVenue(pool, venue, 'exchange');
    const [base, quote] = symbol.split('/');
    const refs = await upsertMarkets(pool, [{ venue, symbol, base, quote }]);
    const ref = refs.get(symbol)!;
    pks.set(ref.id, ref.pk);
    await writeTrades(pool, ref.pk, trades.map(([ago, price, amount], i) => ({ ts: now - ago, id: `${venue}${symbol}${i}`, side: 'buy' as const, price, amount })), 'seed', `trades:${ref.id}`, { n: trades.length });
  }
  return pks;
}
