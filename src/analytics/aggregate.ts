// Cross-venue price aggregation (pure): drop stale venues, drop venues too far from the
// cross-venue median, then weight the rest by their base volume (total USD ÷ total base). The result says which venues were used
// and which were excluded and why, with a confidence value in 0..1.

export interface VenueQuote {
  market: string;
  /** Price in the market's quote asset (the window VWAP, else the last price). */
  price: number;
  priceUsd: number;
  /** USD volume inside the price window (0 when the venue did not trade in it). */
  volumeUsd: number;
  /** Base-asset volume inside the price window: the weight, so the result is total USD ÷ total base. */
  baseVolume: number;
  /** Epoch ms of the venue's newest data. */
  lastAt: number;
}

export interface AggregateOptions {
  now: number;
  staleAfter: number;
  outlierBand: number;
}

export interface Excluded { market: string; reason: 'stale' | 'outlier'; price_usd: number; deviation?: number; last_at: number }
export interface Used { market: string; price: number; price_usd: number; volume_usd: number; last_at: number }

export interface AggregatedPrice {
  priceUsd: number;
  /** Newest data used, epoch ms. */
  ts: number;
  confidence: number;
  venues: Used[];
  excluded: Excluded[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Confidence = coverage × agreement × breadth: the share of fresh window volume that was used,
 * how closely the used venues agree (1 at the result, 0 at the band's edge), and 1 / 0.9 / 0.75
 * for three-or-more / two / one venue; halved when no venue traded inside the window.
 */
export function aggregatePrice(quotes: VenueQuote[], o: AggregateOptions): AggregatedPrice | null {
  const excluded: Excluded[] = [];
  const fresh: VenueQuote[] = [];
  for (const q of quotes) {
    if (!(q.priceUsd > 0) || !Number.isFinite(q.priceUsd)) continue;
    if (o.now - q.lastAt > o.staleAfter) excluded.push({ market: q.market, reason: 'stale', price_usd: q.priceUsd, last_at: q.lastAt });
    else fresh.push(q);
  }
  if (fresh.length === 0) return null;
  const med = median(fresh.map((q) => q.priceUsd));
  const used = fresh.filter((q) => {
    const deviation = q.priceUsd / med - 1;
    if (Math.abs(deviation) <= o.outlierBand) return true;
    excluded.push({ market: q.market, reason: 'outlier', price_usd: q.priceUsd, deviation, last_at: q.lastAt });
    return false;
  });
  // Every venue deviating means no consensus; the median itself is the best estimate then.
  const basis = used.length ? used : fresh;
  const weight = basis.reduce((s, q) => s + q.baseVolume, 0);
  const usedVolume = basis.reduce((s, q) => s + q.volumeUsd, 0);
  const priceUsd = weight > 0
    ? basis.reduce((s, q) => s + q.priceUsd * q.baseVolume, 0) / weight
    : basis.reduce((s, q) => s + q.priceUsd, 0) / basis.length;
  const freshVolume = fresh.reduce((s, q) => s + q.volumeUsd, 0);
  const coverage = used.length === 0 ? 0 : freshVolume > 0 ? usedVolume / freshVolume : 1;
  const maxDev = Math.max(...basis.map((q) => Math.abs(q.priceUsd / priceUsd - 1)));
  const agreement = Math.max(0, 1 - maxDev / o.outlierBand);
  const breadth = basis.length >= 3 ? 1 : basis.length === 2 ? 0.9 : 0.75;
  const confidence = coverage * agreement * breadth * (weight > 0 ? 1 : 0.5);
  return {
    priceUsd,
    ts: Math.max(...basis.map((q) => q.lastAt)),
    confidence: Math.round(confidence * 10_000) / 10_000,
    venues: basis.map((q) => ({ market: q.market, price: q.price, price_usd: q.priceUsd, volume_usd: q.volumeUsd, last_at: q.lastAt })),
    excluded,
  };
}

/** Sample standard deviation of log returns of consecutive prices; null with fewer than two returns. */
export function logReturnStddev(prices: number[]): number | null {
  const r: number[] = [];
  for (let i = 1; i < prices.length; i++) if (prices[i - 1] > 0 && prices[i] > 0) r.push(Math.log(prices[i] / prices[i - 1]));
  if (r.length < 2) return null;
  const mean = r.reduce((s, x) => s + x, 0) / r.length;
  return Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / (r.length - 1));
}
