// Paths to the recorded real market data shared by all projects (never copied into the repo).
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = process.env.WICK_FIXTURES ?? resolve(PROJECT_ROOT, '../shared/fixtures');
if (!existsSync(FIXTURES)) throw new Error(`recorded fixtures not found at ${FIXTURES} (set WICK_FIXTURES)`);

export const fixture = (rel: string) => resolve(FIXTURES, rel);

/** ccxt compact rows: [timestamp_ms, id, type, side, price, amount, cost]. */
export type CompactTrade = [number, string, null, 'buy' | 'sell', number, number, number];

export function xrpEthTrades(): CompactTrade[] {
  return JSON.parse(gunzipSync(readFileSync(fixture('market/XRP_ETH-trades.json.gz'))).toString('utf8'));
}

export function readJson<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(fixture(rel), 'utf8')) as T;
}
