// Venues, assets and markets: upserted from what sources discover, so markets appear
// (and keep their compact key) before any of their data is written.
import { marketId, normaliseAssetCode } from '../domain/ids.js';
import type { MarketSpec } from '../domain/types.js';
import type { Pool } from '../db/pool.js';

export interface MarketRef {
  pk: number;
  id: string;
  spec: MarketSpec;
}

export async function upsertVenue(pool: Pool, id: string, kind: 'exchange' | 'dex' | 'replay', name = id): Promise<void> {
  await pool.query(
    `INSERT INTO venues (id, name, kind) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [id, name, kind],
  );
}

/** Upserts markets (and their assets) and returns them keyed by the venue's symbol. */
export async function upsertMarkets(pool: Pool, specs: MarketSpec[]): Promise<Map<string, MarketRef>> {
  const out = new Map<string, MarketRef>();
  if (specs.length === 0) return out;
  const assets = [...new Set(specs.flatMap((s) => [normaliseAssetCode(s.base), normaliseAssetCode(s.quote)]))];
  await pool.query(
    `INSERT INTO assets (id, symbol) SELECT a, a FROM unnest($1::text[]) AS a ON CONFLICT (id) DO NOTHING`,
    [assets],
  );
  const rows = await pool.query<{ pk: number; id: string; symbol: string }>(
    `INSERT INTO markets (id, venue_id, symbol, base_id, quote_id, type, active, price_precision, amount_precision)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::numeric[], $9::numeric[])
     ON CONFLICT (id) DO UPDATE SET
       active = excluded.active,
       price_precision = excluded.price_precision,
       amount_precision = excluded.amount_precision,
       updated_at = CASE WHEN (markets.active, markets.price_precision, markets.amount_precision)
                           IS DISTINCT FROM (excluded.active, excluded.price_precision, excluded.amount_precision)
                         THEN now() ELSE markets.updated_at END
     RETURNING pk, id, symbol`,
    [
      specs.map((s) => marketId(s.venue, normaliseAssetCode(s.base), normaliseAssetCode(s.quote), settleOf(s))),
      specs.map((s) => s.venue),
      specs.map((s) => s.symbol),
      specs.map((s) => normaliseAssetCode(s.base)),
      specs.map((s) => normaliseAssetCode(s.quote)),
      specs.map((s) => s.type ?? 'spot'),
      specs.map((s) => s.active !== false),
      specs.map((s) => s.pricePrecision ?? null),
      specs.map((s) => s.amountPrecision ?? null),
    ],
  );
  const bySymbol = new Map(specs.map((s) => [s.symbol, s]));
  for (const r of rows.rows) out.set(r.symbol, { pk: r.pk, id: r.id, spec: bySymbol.get(r.symbol)! });
  return out;
}

/** ccxt writes derivatives as BASE/QUOTE:SETTLE; spot symbols have no settle part. */
function settleOf(s: MarketSpec): string | null {
  const i = s.symbol.indexOf(':');
  return i > 0 ? normaliseAssetCode(s.symbol.slice(i + 1).split('-')[0]) : null;
}
