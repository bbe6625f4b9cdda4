// Tokens by contract address, symbol or name, and their price chart: OHLC of the token's
// most traded market at any whole number of hours, optionally with volume and a USD close.
import type { Pool } from '../db/pool.js';
import { getCandles } from './candles.js';
import type { Converter } from './read.js';

export interface TokenCandidate { id: string; symbol: string; name: string | null; addresses: Array<{ platform: string; address: string }> }

export type Resolution = { kind: 'one'; asset: TokenCandidate } | { kind: 'none' } | { kind: 'many'; candidates: TokenCandidate[] };

const isAddress = (s: string) => /^0x[0-9a-fA-F]{40}$/.test(s) || /^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(s);

export async function resolveToken(pool: Pool, q: string): Promise<Resolution> {
  const r = await pool.query<TokenCandidate>(
    `SELECT a.id, a.symbol, a.name,
       coalesce((SELECT json_agg(json_build_object('platform', x.platform, 'address', x.address) ORDER BY x.platform) FROM asset_addresses x WHERE x.asset_id = a.id), '[]') AS addresses
     FROM assets a
     WHERE CASE WHEN $2 THEN a.id IN (SELECT asset_id FROM asset_addresses WHERE lower(address) = lower($1))
           ELSE upper(a.id) = upper($1) OR upper(a.symbol) = upper($1) OR lower(a.name) = lower($1) END
     ORDER BY a.id`,
    [q, isAddress(q)],
  );
  if (r.rows.length === 0) return { kind: 'none' };
  if (r.rows.length === 1) return { kind: 'one', asset: r.rows[0] };
  return { kind: 'many', candidates: r.rows };
}

/** The asset's market with the largest 24 h USD volume (else any with candles), optionally in one quote. */
export async function primaryMarket(pool: Pool, asset: string, quote?: string): Promise<{ pk: number; id: string; quote: string } | null> {
  const r = await pool.query<{ pk: number; id: string; quote: string }>(
    `SELECT m.pk, m.id, m.quote_id AS quote FROM markets m LEFT JOIN market_stats s ON s.market_pk = m.pk
     WHERE m.base_id = $1 AND ($2::text IS NULL OR m.quote_id = $2) AND m.candle_source IS NOT NULL
     ORDER BY s.usd_volume DESC NULLS LAST, m.id LIMIT 1`,
    [asset, quote ?? null],
  );
  return r.rows[0] ?? null;
}

export interface ChartOptions { /** Bucket size, seconds. */ resolution: number; from?: number; to?: number; limit: number; volume: boolean; usd: boolean }

/** Rows [time, open, high, low, close] (+ volume, + USD close); the USD close uses the quote's own chart when it is not USD-like. */
export async function tokenChart(pool: Pool, market: { pk: number; quote: string }, conv: Converter, o: ChartOptions): Promise<number[][] | (number | null)[][]> {
  const resolution = o.resolution;
  const candles = await getCandles(pool, { marketPk: market.pk, resolution, from: o.from, to: o.to, limit: o.limit, fill: 'none' });
  let usdAt: (t: number) => number | null = () => null;
  if (o.usd) {
    const fixed = conv.usdPer(market.quote);
    const quoteMarket = await primaryMarket(pool, market.quote);
    if (quoteMarket && conv.usdPer(quoteMarket.quote) !== undefined && !isUsdLike(conv, market.quote)) {
      const qc = await getCandles(pool, { marketPk: quoteMarket.pk, resolution, from: candles[0]?.time, to: candles.length ? candles[candles.length - 1].time + resolution * 1000 : undefined, limit: o.limit, fill: 'previous' });
      const rate = conv.usdPer(quoteMarket.quote)!;
      const byTime = new Map(qc.map((c) => [c.time, c.close * rate]));
      usdAt = (t) => byTime.get(t) ?? null;
    } else if (fixed !== undefined) {
      usdAt = () => fixed;
    }
  }
  return candles.map((c) => {
    const row: (number | null)[] = [c.time, c.open, c.high, c.low, c.close];
    if (o.volume) row.push(c.volume);
    if (o.usd) {
      const u = usdAt(c.time);
      row.push(u === null ? null : c.close * u);
    }
    return row;
  });
}

/** USD, configured fiat and stablecoins have a fixed rate; everything else moves. */
function isUsdLike(conv: Converter, code: string): boolean {
  const r = conv.usdPer(code);
  return r !== undefined && (code.toUpperCase() === 'USD' || r === 1 || conv.fixed.has(code.toUpperCase()));
}
