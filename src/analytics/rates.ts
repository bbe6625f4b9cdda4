// What one unit of a currency is worth in USD: USD itself, fiat through the configured FX
// source (static rates or a metric series), and any asset through its aggregated price.
import type { Pool } from '../db/pool.js';
import type { AnalyticsConfig } from './config.js';

/** USD per unit of each configured fiat currency (upper-case codes), USD included. */
export async function fiatRates(pool: Pool, cfg: AnalyticsConfig): Promise<Map<string, number>> {
  const out = new Map<string, number>([['USD', 1]]);
  for (const [code, src] of Object.entries(cfg.fx)) {
    if (typeof src === 'number') {
      out.set(code.toUpperCase(), src);
      continue;
    }
    const r = await pool.query<{ value: number }>(
      `SELECT p.value::float8 AS value FROM metric_series s JOIN metric_points p ON p.series_id = s.id
       WHERE s.name = $1 AND s.labels = $2::jsonb ORDER BY p.ts DESC LIMIT 1`,
      [src.metric, JSON.stringify(src.labels)],
    );
    if (r.rows[0] && r.rows[0].value > 0) out.set(code.toUpperCase(), r.rows[0].value);
  }
  return out;
}

/** USD per unit of every currency Wick can price: fiat first, then each asset's aggregated price. */
export async function usdRates(pool: Pool, cfg: AnalyticsConfig): Promise<Map<string, number>> {
  const rates = await fiatRates(pool, cfg);
  const r = await pool.query<{ asset_id: string; price_usd: number }>(`SELECT asset_id, price_usd::float8 AS price_usd FROM asset_prices`);
  const stables = new Set(cfg.stablecoins.map((c) => c.toUpperCase()));
  for (const s of stables) if (!rates.has(s)) rates.set(s, 1);
  for (const row of r.rows) {
    // as in the price run: a stablecoin is 1 USD while its own price stays inside the band
    if (stables.has(row.asset_id) && Math.abs(row.price_usd - 1) <= cfg.stablecoinBand) continue;
    if (!fiatHas(rates, row.asset_id, stables)) rates.set(row.asset_id, row.price_usd);
  }
  return rates;
}

function fiatHas(rates: Map<string, number>, code: string, stables: Set<string>): boolean {
  return rates.has(code) && !stables.has(code);
}
