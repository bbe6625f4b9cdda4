// Realtime events: what flows over the bus and out to SSE/WebSocket clients. A channel
// names what a client subscribes to, e.g. "trades:binance:BTC-USDT",
// "candles:binance:BTC-USDT:1m", "tickers", "prices:BTC", "metrics:floor_price", "alerts", "jobs".

import { formatResolution, parseResolution, STORED_RESOLUTIONS } from '../domain/resolution.js';

export interface WickEvent {
  channel: string;
  /** Event type within the channel: trade, candle, ticker, price, metric, alert, job. */
  type: string;
  data: unknown;
  /**
   * Events with the same key replace each other in a slow client's queue (latest wins):
   * a forming candle or a market's ticker. Absent: every event must be delivered.
   */
  coalesce?: string;
}

/** An event as a process received it: numbered for SSE resumption. */
export interface NumberedEvent extends WickEvent {
  id: string;
}

const CHANNEL_KINDS = ['trades', 'candles', 'tickers', 'prices', 'metrics', 'alerts', 'jobs'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Checks a channel a client asked for; returns a problem or null. */
export function checkChannel(channel: string): string | null {
  const parts = channel.split(':');
  const kind = parts[0] as ChannelKind;
  if (!CHANNEL_KINDS.includes(kind)) return `"${channel}": unknown channel kind "${parts[0]}" (use ${CHANNEL_KINDS.join(', ')})`;
  const arity: Record<ChannelKind, [number, string]> = {
    trades: [4, 'trades:{venue}:{BASE-QUOTE}'],
    candles: [5, 'candles:{venue}:{BASE-QUOTE}:{resolution}'],
    tickers: [1, 'tickers'],
    prices: [2, 'prices:{asset}'],
    metrics: [2, 'metrics:{name}'],
    alerts: [1, 'alerts'],
    jobs: [1, 'jobs'],
  };
  // Market ids are venue:BASE-QUOTE (two parts); tolerate a settle suffix inside the second.
  const [n, shape] = arity[kind];
  if (kind === 'tickers' || kind === 'alerts' || kind === 'jobs') return parts.length === 1 ? null : `"${channel}": use "${shape}"`;
  if (parts.length !== n - (kind === 'prices' || kind === 'metrics' ? 0 : 1) || parts.some((p) => p === '')) return `"${channel}": use "${shape}"`;
  if (kind === 'candles') {
    const r = parseResolution(parts[3]);
    if (r === null || !(STORED_RESOLUTIONS as readonly number[]).includes(r)) return `"${channel}": live candles are at ${STORED_RESOLUTIONS.map(formatResolution).join(', ')}`;
  }
  return null;
}
