// Response and shared parameter schemas: declared once, they validate input, serialise output
// and document the API (OpenAPI 3.1 at /openapi.json).
import { Type, type TSchema } from 'typebox';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const num = (description: string) => Nullable(Type.Number({ description }));

export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String({ description: 'What was wrong, naming the parameter' }),
  field: Type.Optional(Type.String({ description: 'The parameter at fault, when there is one' })),
}, { $id: 'Error', description: 'Every 4xx/5xx answer has this shape' });

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Type.Ref('Error')]));

export const TimeParam = (what: string) => Type.String({ description: `${what}: ISO-8601 (2024-01-01T00:00:00Z) or epoch milliseconds` });

export const Limit = (def: number, max: number) => Type.Integer({ minimum: 1, maximum: max, default: def, description: `At most ${max}` });

export const MarketParams = Type.Object({
  market: Type.String({ description: 'Market id, venue:BASE-QUOTE (e.g. binance:BTC-USDT)' }),
});

export const Market = Type.Object({
  id: Type.String({ description: 'venue:BASE-QUOTE' }),
  venue: Type.String(),
  symbol: Type.String({ description: "The venue's unified symbol, BASE/QUOTE" }),
  base: Type.String(),
  quote: Type.String(),
  type: Type.String(),
  active: Type.Boolean(),
  price_precision: num('Price tick size as the venue reports it'),
  amount_precision: num('Amount step size as the venue reports it'),
  candle_source: Nullable(Type.String({ description: '"trades" (built from ingested trades) or "exchange" (the venue\'s own candles)' })),
  first_trade_at: Nullable(Type.Integer({ description: 'Epoch ms of the first stored trade' })),
  last_trade_at: Nullable(Type.Integer({ description: 'Epoch ms of the latest stored trade' })),
}, { $id: 'Market' });

export const Candle = Type.Object({
  time: Type.Integer({ description: 'Bucket open time, epoch ms (UTC; weeks start Monday)' }),
  open: Type.Number(),
  high: Type.Number(),
  low: Type.Number(),
  close: Type.Number(),
  volume: Type.Number({ description: 'Base-asset volume' }),
  quote_volume: num('Quote-asset volume (sum of price × amount); null when the venue does not report it'),
  trades: Nullable(Type.Integer({ description: 'Number of trades; null when unknown' })),
  vwap: num('Volume-weighted average price, quote_volume / volume'),
}, { $id: 'Candle' });

export const Trade = Type.Object({
  id: Type.String({ description: "The venue's trade id" }),
  time: Type.Integer({ description: 'Epoch ms' }),
  price: Type.Number(),
  amount: Type.Number({ description: 'Base-asset amount' }),
  cost: Type.Number({ description: 'price × amount, in the quote asset' }),
  side: Nullable(Type.Union([Type.Literal('buy'), Type.Literal('sell')], { description: 'Taker side' })),
}, { $id: 'Trade' });

export const Ticker = Type.Object({
  market: Type.String(),
  venue: Type.String(),
  symbol: Type.String(),
  base: Type.String(),
  quote: Type.String(),
  source: Type.String({ description: '"exchange" (the venue\'s ticker), "trades"/"candles" (computed from stored data over the rolling 24 h), or "none" (no data yet)' }),
  time: Nullable(Type.Integer({ description: 'Epoch ms of the data the ticker reflects' })),
  last: num('Last price'),
  bid: num('Best bid (venue tickers only)'),
  ask: num('Best ask (venue tickers only)'),
  open: num('Price 24 h ago'),
  high: num('24 h high'),
  low: num('24 h low'),
  change: num('last − open'),
  change_percent: num('(last − open) / open × 100'),
  base_volume: num('24 h base volume'),
  quote_volume: num('24 h quote volume'),
  vwap: num('24 h volume-weighted average price'),
  trades: Nullable(Type.Integer({ description: '24 h trade count (computed tickers only)' })),
}, { $id: 'Ticker' });

/** OpenAPI security of routes that need a credential (see the securitySchemes in app.ts). */
export const credentialSecurity: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }];

export const sharedSchemas = [ErrorResponse, Market, Candle, Trade, Ticker];
