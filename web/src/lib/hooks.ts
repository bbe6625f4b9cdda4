// Data loading and live streams for components.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, connection } from '../api/client';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  set: (fn: (d: T | undefined) => T | undefined) => void;
}

/** Runs `fn` when deps change (and every `refreshMs`, when given); keeps the last data while reloading. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[], refreshMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    let live = true;
    setLoading(true);
    fnRef.current().then(
      (d) => { if (live) { setData(d); setError(null); setLoading(false); } },
      (e: unknown) => { if (live) { setError(e instanceof ApiError ? e : new ApiError(0, String((e as Error)?.message ?? e))); setLoading(false); } },
    );
    return () => { live = false; };
  }, [...deps, tick]);
  useEffect(() => {
    if (!refreshMs) return;
    const t = setInterval(() => setTick((x) => x + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs]);
  const reload = useCallback(() => setTick((x) => x + 1), []);
  return { data, error, loading, reload, set: (f) => setData((d) => f(d)) };
}

export interface StreamEvent<T = any> { id: string; type: string; channel: string; data: T }

/**
 * Subscribes to Wick's Server-Sent Events stream. The browser's EventSource reconnects by
 * itself and resumes with Last-Event-ID; `status` says whether events are flowing.
 */
export function useStream(channels: string[], onEvent: (e: StreamEvent) => void): 'connecting' | 'live' | 'down' {
  const [status, setStatus] = useState<'connecting' | 'live' | 'down'>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = channels.filter(Boolean).join(',');
  useEffect(() => {
    if (!key) return;
    const es = new EventSource(`/v1/stream?channels=${encodeURIComponent(key)}`);
    const on = (type: string) => es.addEventListener(type, (m: MessageEvent) => {
      const body = JSON.parse(m.data) as { channel: string; data: unknown };
      handler.current({ id: m.lastEventId, type, channel: body.channel, data: body.data });
    });
    for (const t of ['trades', 'price', 'candle', 'ticker', 'metric', 'alert', 'job']) on(t);
    es.addEventListener('ready', () => { setStatus('live'); connection.set(false); });
    es.onerror = () => setStatus(es.readyState === EventSource.CLOSED ? 'down' : 'connecting');
    return () => es.close();
  }, [key]);
  return status;
}

/** The value of `v` after it stopped changing for `ms`. */
export function useDebounced<T>(v: T, ms: number): T {
  const [d, setD] = useState(v);
  useEffect(() => {
    const t = setTimeout(() => setD(v), ms);
    return () => clearTimeout(t);
  }, [v, ms]);
  return d;
}
