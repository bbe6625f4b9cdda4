// One market: candlesticks with volume (resolution switch, scroll back for older candles,
// the forming candle live), 24 h figures, recent trades (live), the aggregated price of its
// base asset with the venues behind it, and order-book depth / liquidity when stored.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, ApiError, call, type Schemas } from '../api/client';
import { CandleChart, type Bar } from '../components/CandleChart';
import { LineChart } from '../components/LineChart';
import { Badge, Card, cx, Empty, ErrorNote, LiveDot, Loadable, PageTitle, rowClass, Segmented, Spinner, tableClass, tableWrap, td, th } from '../components/ui';
import { ago, changeClass, clock, decimalsFor, fixed, percent, price, volume } from '../lib/format';
import { useLoad, useStream, type StreamEvent } from '../lib/hooks';

const RESOLUTIONS = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
type Resolution = (typeof RESOLUTIONS)[number];
/** Candles per request (`?candles=N` in the address: smaller pages for slow links). */
const DEFAULT_PAGE = 300;

type Trade = Schemas['Trade'];

const toBar = (c: { time: number; open: number | string; high: number | string; low: number | string; close: number | string; volume: number | string }): Bar =>
  ({ time: Number(c.time), open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close), volume: Number(c.volume) });

function useCandles(market: string, resolution: Resolution, PAGE: number) {
  const [bars, setBars] = useState<Bar[]>([]);
  const [state, setState] = useState<{ loading: boolean; error: ApiError | null; exhausted: boolean; older: boolean }>({ loading: true, error: null, exhausted: false, older: false });
  const busy = useRef(false);
  const barsRef = useRef(bars);
  barsRef.current = bars;
  const fetchPage = (to?: number) => call(api.GET('/v1/markets/{market}/candles', { params: { path: { market }, query: { resolution, limit: PAGE, ...(to ? { to: String(to) } : {}) } } }))
    .then((r) => (r.candles as Array<Schemas['Candle']>).map(toBar));

  useEffect(() => {
    let live = true;
    setBars([]);
    setState({ loading: true, error: null, exhausted: false, older: false });
    fetchPage().then(
      (b) => { if (live) { setBars(b); setState({ loading: false, error: null, exhausted: b.length < PAGE, older: false }); } },
      (e: ApiError) => { if (live) setState({ loading: false, error: e, exhausted: false, older: false }); },
    );
    return () => { live = false; };
  }, [market, resolution, PAGE]);

  const loadOlder = useCallback(() => {
    const cur = barsRef.current;
    if (busy.current || !cur.length || state.exhausted) return;
    busy.current = true;
    setState((s) => ({ ...s, older: true }));
    fetchPage(cur[0].time).then((older) => {
      setBars((b) => [...older.filter((o) => o.time < (b[0]?.time ?? Infinity)), ...b]);
      setState((s) => ({ ...s, older: false, exhausted: older.length < PAGE }));
    }, (e: ApiError) => setState((s) => ({ ...s, older: false, error: e }))).finally(() => { busy.current = false; });
  }, [market, resolution, PAGE, state.exhausted]);

  return { bars, ...state, loadOlder };
}

function Stat({ label, value, cls, testid }: { label: string; value: string; cls?: string; testid?: string }) {
  return (
    <div class="min-w-0">
      <div class="text-xs text-slate-500 dark:text-slate-400">{label}</div>
      <div class={cx('tabular truncate text-sm font-semibold', cls)} data-testid={testid}>{value}</div>
    </div>
  );
}

export function AggregatedPrice({ asset }: { asset: string }) {
  const p = useLoad(() => call(api.GET('/v1/assets/{asset}/price', { params: { path: { asset }, query: { vs: 'usd' } } })), [asset], 30_000);
  return (
    <Card title={`${asset} aggregated price`} testid="aggregated-price">
      {p.data === undefined ? (
        p.error ? <Empty>{p.error.status === 503 ? 'Analytics have not been computed yet; this fills in after the first analytics run.' : p.error.message}</Empty> : <Spinner />
      ) : (
        <div>
          <div class="tabular text-2xl font-bold">${price(p.data.price)}</div>
          <div class="mt-1 text-xs text-slate-500">confidence {(p.data.confidence * 100).toFixed(0)} % · {ago(p.data.time)}</div>
          <ul class="mt-3 space-y-1 text-sm">
            {p.data.venues.map((v) => (
              <li key={v.market} class="flex justify-between gap-2"><a class="truncate hover:underline" href={`/markets/${encodeURIComponent(v.market)}`}>{v.market}</a><span class="tabular">${price(v.price_usd)}</span></li>
            ))}
            {p.data.excluded.map((v) => (
              <li key={v.market} class="flex justify-between gap-2 text-slate-400"><span class="truncate">{v.market} <Badge tone="amber">{v.reason}</Badge></span><span class="tabular">${price(v.price_usd)}</span></li>
            ))}
          </ul>
        </div>
      )}
    </Card>
  );
}

function OrderBook({ market }: { market: string }) {
  const book = useLoad(() => call(api.GET('/v1/markets/{market}/orderbook', { params: { path: { market }, query: { depth: 12 } } })), [market], 15_000);
  const liq = useLoad(() => call(api.GET('/v1/markets/{market}/liquidity', { params: { path: { market } } })), [market], 60_000);
  if (book.error?.status === 404 || (book.data === undefined && !book.error && !book.loading)) {
    return <Card title="Order book"><Empty>No order book stored for this market (enable <code>orderbook</code> on its source).</Empty></Card>;
  }
  return (
    <Card title="Order book" testid="orderbook">
      <Loadable state={book}>
        {(b) => {
          const max = Math.max(...b.bids.map((l) => l[1]), ...b.asks.map((l) => l[1]), 1e-12);
          const dp = decimalsFor(b.mid ?? b.bids[0]?.[0] ?? b.asks[0]?.[0] ?? 1);
          const row = (l: number[], side: 'bid' | 'ask') => (
            <div class="relative flex justify-between px-2 py-0.5 text-xs tabular">
              <div class={cx('absolute inset-y-0 right-0', side === 'bid' ? 'bg-emerald-500/15' : 'bg-rose-500/15')} style={{ width: `${(l[1] / max) * 100}%` }} />
              <span class={cx('relative', side === 'bid' ? 'text-emerald-600 dark:text-emerald-400' : 'text-rose-600 dark:text-rose-400')}>{fixed(l[0], dp)}</span>
              <span class="relative">{volume(l[1])}</span>
            </div>
          );
          return (
            <div>
              <div class="mb-2 text-xs text-slate-500">mid {price(b.mid)} · spread {b.spread_pct === null ? '—' : `${b.spread_pct.toFixed(3)} %`} · {ago(b.time)}</div>
              <div>{[...b.asks].reverse().map((l) => row(l, 'ask'))}</div>
              <div class="my-1 border-t border-slate-200 dark:border-slate-800" />
              <div>{b.bids.map((l) => row(l, 'bid'))}</div>
              {liq.data?.history.length ? (
                <div class="mt-3">
                  <div class="mb-1 text-xs text-slate-500">Depth ±{liq.data.band_pct} % (USD, bids)</div>
                  <LineChart points={liq.data.history.filter((h) => h.depth_bid_usd !== null).map((h) => [h.time, h.depth_bid_usd!])} height={120} />
                </div>
              ) : null}
            </div>
          );
        }}
      </Loadable>
    </Card>
  );
}

export function MarketPage() {
  const { params } = useRoute();
  const { query } = useLocation();
  const id = decodeURIComponent(params.id);
  const pageSize = Math.min(1000, Math.max(10, Number(query.candles) || DEFAULT_PAGE));
  const [resolution, setResolution] = useState<Resolution>(() => (localStorage.getItem('wick-resolution') as Resolution) || '1m');
  const market = useLoad(() => call(api.GET('/v1/markets/{market}', { params: { path: { market: id } } })), [id]);
  const ticker = useLoad(() => call(api.GET('/v1/markets/{market}/ticker', { params: { path: { market: id } } })), [id], 30_000);
  const trades = useLoad(() => call(api.GET('/v1/markets/{market}/trades', { params: { path: { market: id }, query: { limit: 40 } } })).then((r) => r.trades), [id]);
  const candles = useCandles(id, resolution, pageSize);
  const [live, setLive] = useState<Bar | null>(null);
  const [last, setLast] = useState<{ price: number; dir: 'up' | 'down' | '' } | null>(null);

  useEffect(() => { setLive(null); }, [id, resolution]);
  useEffect(() => { localStorage.setItem('wick-resolution', resolution); }, [resolution]);

  const status = useStream([`trades:${id}`, `candles:${id}:${resolution}`], (e: StreamEvent) => {
    if (e.type === 'candle' && e.data.resolution === resolution) setLive(toBar(e.data.candle));
    if (e.type === 'trades') {
      const incoming: Trade[] = (e.data.trades as Array<{ ts: number; id: string; side: Trade['side']; price: number | string; amount: number | string }>)
        .map((t) => ({ id: t.id, time: t.ts, side: t.side, price: Number(t.price), amount: Number(t.amount), cost: Number(t.price) * Number(t.amount) }));
      if (!incoming.length) return;
      const newest = incoming.reduce((a, t) => (t.time >= a.time ? t : a));
      setLast((p) => ({ price: newest.price, dir: p && newest.price !== p.price ? (newest.price > p.price ? 'up' : 'down') : p?.dir ?? '' }));
      trades.set((list) => {
        const seen = new Set((list ?? []).map((t) => t.id));
        return [...incoming.filter((t) => !seen.has(t.id)).sort((a, b) => b.time - a.time), ...(list ?? [])].slice(0, 60);
      });
    }
  });

  if (market.error) {
    return <div><PageTitle title={id} /><ErrorNote error={market.error} retry={market.reload} /><p class="mt-3 text-sm"><a class="underline" href="/">Back to the markets</a></p></div>;
  }
  const m = market.data;
  const t = ticker.data;
  const lastPrice = last?.price ?? t?.last ?? null;
  const change = t?.open && lastPrice !== null ? ((lastPrice - t.open) / t.open) * 100 : t?.change_percent ?? null;

  return (
    <div>
      <PageTitle
        title={<span>{m ? <><a href={`/assets/${encodeURIComponent(m.base)}`} class="hover:underline" title={`All about ${m.base}`}>{m.base}</a><span class="text-slate-400">/{m.quote}</span></> : id} <span class="ml-1 align-middle text-sm font-medium text-slate-500">{m?.venue}</span></span>}
        sub={m ? `${m.id} · candles from ${m.candle_source ?? '—'} · last trade ${ago(m.last_trade_at)}` : 'Loading market…'}
      >
        <LiveDot status={status} />
      </PageTitle>

      <div class="mb-4 grid grid-cols-2 gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-3 lg:grid-cols-6 dark:border-slate-800 dark:bg-slate-900">
        <div class="col-span-2 sm:col-span-1">
          <div class="text-xs text-slate-500 dark:text-slate-400">Last price</div>
          <div data-testid="market-last" class={cx('tabular text-2xl font-bold', last?.dir === 'up' ? 'text-emerald-600 dark:text-emerald-400' : last?.dir === 'down' ? 'text-rose-600 dark:text-rose-400' : '')}>{price(lastPrice)}</div>
        </div>
        <Stat label="24h change" value={percent(change)} cls={changeClass(change)} />
        <Stat label="24h high" value={price(t?.high)} />
        <Stat label="24h low" value={price(t?.low)} />
        <Stat label={`24h volume (${m?.base ?? 'base'})`} value={volume(t?.base_volume)} />
        <Stat label={`24h volume (${m?.quote ?? 'quote'})`} value={volume(t?.quote_volume)} />
      </div>

      <div class="grid gap-4 lg:grid-cols-3">
        <div class="space-y-4 lg:col-span-2">
          <Card
            title="Chart"
            testid="chart-card"
            actions={<>
              {candles.older && <span class="text-xs text-slate-500" role="status">Loading older candles…</span>}
              <Segmented label="Resolution" testid="resolution" options={RESOLUTIONS.map((r) => ({ value: r, label: r }))} value={resolution} onChange={setResolution} />
            </>}
          >
            {candles.error && <div class="mb-2"><ErrorNote error={candles.error} /></div>}
            {candles.loading ? <div style={{ height: '420px' }}><Spinner label={`Loading ${resolution} candles…`} /></div> : candles.bars.length === 0 ? (
              <div style={{ height: '420px' }} class="flex items-center"><div class="w-full"><Empty>No {resolution} candles stored yet for this market.</Empty></div></div>
            ) : (
              <CandleChart key={`${id}:${resolution}`} bars={candles.bars} live={live} onNeedOlder={candles.loadOlder} complete={candles.exhausted} />
            )}
            <p class="mt-2 text-xs text-slate-500" data-testid="chart-info" data-resolution={resolution} data-bars={candles.bars.length}>
              {candles.bars.length} {resolution} candles loaded{candles.exhausted ? ' (all history)' : ' · scroll left for older'}{live ? ` · forming candle ${clock(live.time)} close ${price(live.close)}` : ''}
            </p>
          </Card>
          <OrderBook market={id} />
        </div>
        <div class="space-y-4">
          {m && <AggregatedPrice asset={m.base} />}
          <Card title="Recent trades" testid="recent-trades">
            <Loadable state={trades} empty={(d) => d.length === 0 && 'No trades stored for this market.'}>
              {(list) => {
                const dp = decimalsFor(list[0]?.price ?? 1);
                return (
                <div class={cx(tableWrap, 'max-h-[28rem] overflow-y-auto')}>
                  <table class={tableClass}>
                    <thead class="sticky top-0 bg-slate-50 dark:bg-slate-900"><tr><th class={th} scope="col">Time</th><th class={cx(th, 'text-right')} scope="col">Price</th><th class={cx(th, 'text-right')} scope="col">Amount</th></tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                      {list.map((tr) => (
                        <tr key={tr.id} class={rowClass}>
                          <td class={cx(td, 'tabular py-1 text-xs text-slate-500')}>{clock(tr.time)}</td>
                          <td class={cx(td, 'tabular py-1 text-right text-xs font-medium', tr.side === 'buy' ? 'text-emerald-600 dark:text-emerald-400' : tr.side === 'sell' ? 'text-rose-600 dark:text-rose-400' : '')}>{fixed(tr.price, dp)}</td>
                          <td class={cx(td, 'tabular py-1 text-right text-xs')}>{volume(tr.amount)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                );
              }}
            </Loadable>
          </Card>
        </div>
      </div>
    </div>
  );
}
