// Paths to the recorded real market data shared by all projects (never copied into the repo).
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** WICK_FIXTURES, else the nearest shared/fixtures beside the project or one of its parents. */
function findFixtures(): string {
  if (process.env.WICK_FIXTURES) return resolve(process.env.WICK_FIXTURES);
  for (let dir = resolve(PROJECT_ROOT, '..'); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'fixtures');
    if (existsSync(candidate)) return candidate;
    if (dir === dirname(dir)) break;
  }
  throw new Error(`recorded fixtures not found in ../shared/fixtures beside ${PROJECT_ROOT} or its parents (set WICK_FIXTURES)`);
}

export const FIXTURES = findFixtures();

export const fixture = (rel: string) => resolve(FIXTURES, rel);

/** ccxt compact rows: [timestamp_ms, id, type, side, price, amount, cost]. */
export type CompactTrade = [number, string, null, 'buy' | 'sell', number, number, number];

export function xrpEthTrades(): CompactTrade[] {
  return JSON.parse(gunzipSync(readFileSync(fixture('market/XRP_ETH-trades.json.gz'))).toString('utf8'));
}

export function readJson<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(fixture(rel), 'utf8')) as T;
}
