// Market ids are "venue:BASE-QUOTE" (e.g. "binance:BTC-USDT"); derivatives add the
// settle asset ("binance:BTC-USDT-USDT"). They are stable, URL-safe and readable.

export function marketId(venue: string, base: string, quote: string, settle?: string | null): string {
  return `${venue}:${base}-${quote}${settle ? `-${settle}` : ''}`;
}

export function normaliseAssetCode(code: string): string {
  return code.trim().toUpperCase();
}

export function parseMarketId(id: string): { venue: string; pair: string } | null {
  const i = id.indexOf(':');
  if (i <= 0 || i === id.length - 1) return null;
  return { venue: id.slice(0, i), pair: id.slice(i + 1) };
}
