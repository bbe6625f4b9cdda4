// Markets: every market with its last price, 24 h change and volume and a 7-day sparkline,
// sortable and searchable, filtered by venue and quote, updated live over SSE.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, call, type Schemas } from '../api/client';
import { Sparkline } from '../components/Sparkline';
import { Button, Card, cx, Empty, Segmented, ErrorNote, inputClass, LiveDot, PageTitle, rowClass, Spinner, tableClass, tableWrap, td, th } from '../components/ui';
import { changeClass, count, percent, price, volume } from '../lib/format';
import { useLoad, useStream, type StreamEvent } from '../lib/hooks';

type Ticker = Schemas['Ticker'];
type SortKey = 'symbol' | 'venue' | 'last' | 'change_percent' | 'quote_volume' | 'trades';

function useSparkline(market: string): number[] | null {
  const [v, setV] = useState<number[] | null>(null);
  useEffect(() => {
    let live = true;
    const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
    call(api.GET('/v1/markets/{market}/candles', { params: { path: { market }, query: { resolution: '1h', from, limit: 168, format: 'array' } } }))
      .then((r) => { if (live) setV((r.candles as number[][]).map((c) => c[4])); }, () => { if (live) setV([]); });
    return () => { live = false; };
  }, [market]);
  return v;
}

function SparkCell({ market }: { market: string }) {
  // Fetch the 7-day history only once the row scrolls into view.
  const ref = useRef<HTMLSpanElement>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || seen) return;
    const io = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) setSeen(true); }, { rootMargin: '200px' });
    io.observe(el);
    return () => io.disconnect();
  }, [seen]);
  return seen ? <SparkData market={market} /> : <span ref={ref} class="inline-block h-8 w-28 rounded bg-slate-100 dark:bg-slate-800" />;
}

function SparkData({ market }: { market: string }) {
  const v = useSparkline(market);
  return v === null ? <span class="inline-block h-8 w-28 animate-pulse rounded bg-slate-100 dark:bg-slate-800" /> : <Sparkline values={v} />;
}

/** Rows rendered at first; "Show more" adds as many again. */
const PAGE_ROWS = 100;

function PriceCell({ value, testid }: { value: number | null; testid: string }) {
  const prev = useRef(value);
  const [flash, setFlash] = useState<'' | 'flash-up' | 'flash-down'>('');
  useEffect(() => {
    if (prev.current !== null && value !== null && value !== prev.current) {
      setFlash(value > prev.current ? 'flash-up' : 'flash-down');
      const t = setTimeout(() => setFlash(''), 1200);
      prev.current = value;
      return () => clearTimeout(t);
    }
    prev.current = value;
  }, [value]);
  return <span data-testid={testid} class={cx('tabular rounded px-1 font-medium', flash)}>{price(value)}</span>;
}


/** The assets behind the markets: aggregated USD price (when analytics can price them), market and venue counts. */
function AssetsTable({ search }: { search: string }) {
  const assets = useLoad(() => call(api.GET('/v1/assets', { params: { query: { limit: 1000 } } })).then((r) => r.assets), [], 60_000);
  const prices = useLoad(() => call(api.GET('/v1/prices', { params: { query: { vs: 'usd' } } })).then((r) => r.prices).catch(() => ({} as Record<string, Record<string, number>>)), [], 30_000);
  const [sort, setSort] = useState<{ key: 'id' | 'price' | 'markets'; dir: 1 | -1 }>({ key: 'markets', dir: -1 });
  const q = search.trim().toLowerCase();
  const rows = (assets.data ?? []).filter((a) => !q || a.id.toLowerCase().includes(q) || (a.name ?? '').toLowerCase().includes(q))
    .map((a) => ({ ...a, price: prices.data?.[a.id]?.usd ?? null }))
    .sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      if (x === null) return 1;
      if (y === null) return -1;
      return (typeof x === 'string' ? x.localeCompare(y as string) : (x as number) - (y as number)) * sort.dir;
    });
  const header = (key: 'id' | 'price' | 'markets', label: string, right = false) => {
    const on = sort.key === key;
    return (
      <th class={cx(th, right && 'text-right', 'whitespace-nowrap')} aria-sort={on ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'} scope="col">
        <button type="button" class="uppercase hover:text-slate-900 dark:hover:text-white" onClick={() => setSort({ key, dir: on ? (sort.dir === 1 ? -1 : 1) : key === 'id' ? 1 : -1 })}>
          {label} <span aria-hidden="true" class={on ? 'text-emerald-500' : 'opacity-30'}>{on && sort.dir === 1 ? '▲' : '▼'}</span>
        </button>
      </th>
    );
  };
  if (assets.data === undefined) return assets.error ? <ErrorNote error={assets.error} retry={assets.reload} /> : <Spinner label="Loading assets…" />;
  if (rows.length === 0) return <Empty>{assets.data.length ? 'No asset matches this search.' : 'No assets yet: they appear with the first markets.'}</Empty>;
  return (
    <div class={tableWrap}>
      <table class={tableClass} data-testid="assets-table">
        <thead class="bg-slate-50 dark:bg-slate-900/60"><tr>
          {header('id', 'Asset')}
          {header('price', 'Price (USD)', true)}
          {header('markets', 'Markets', true)}
          <th class={cx(th, 'hidden sm:table-cell')} scope="col">Venues</th>
        </tr></thead>
        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
          {rows.map((a) => (
            <tr key={a.id} class={rowClass} data-asset={a.id}>
              <td class={td}><a class="font-semibold hover:underline" href={`/assets/${encodeURIComponent(a.id)}`}>{a.id}</a>{a.name && a.name !== a.id && <span class="ml-2 text-xs text-slate-500">{a.name}</span>}</td>
              <td class={cx(td, 'tabular text-right')}>{a.price === null ? <span class="text-slate-400" title="No USD price: no market prices it in a currency Wick converts">—</span> : `$${price(a.price)}`}</td>
              <td class={cx(td, 'tabular text-right')}>{a.markets}</td>
              <td class={cx(td, 'hidden text-slate-500 sm:table-cell')}>{a.venues.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MarketsPage() {
  const { route, query } = useLocation();
  const [search, setSearch] = useState(query.q ?? '');
  const [venue, setVenue] = useState(query.venue ?? '');
  const [quote, setQuote] = useState(query.quote ?? '');
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'quote_volume', dir: -1 });
  const [shown, setShown] = useState(PAGE_ROWS);
  const [view, setView] = useState<'markets' | 'assets'>(query.view === 'assets' ? 'assets' : 'markets');
  const tickers = useLoad(() => call(api.GET('/v1/tickers', { params: { query: { limit: 500 } } })).then((r) => r.tickers), [], 60_000);
  const venues = useLoad(() => call(api.GET('/v1/venues')).then((r) => r.venues), []);

  // Keep the filters in the address so a view can be shared.
  useEffect(() => {
    const p = new URLSearchParams();
    if (search) p.set('q', search);
    if (venue) p.set('venue', venue);
    if (quote) p.set('quote', quote);
    if (view === 'assets') p.set('view', 'assets');
    const s = p.toString();
    const want = s ? `/?${s}` : '/';
    if (location.pathname + location.search !== want) history.replaceState(null, '', want);
  }, [search, venue, quote, view]);

  const quotes = useMemo(() => [...new Set((tickers.data ?? []).map((t) => t.quote))].sort(), [tickers.data]);
  const rows = useMemo(() => {
    const q = search.trim().toLowerCase();
    const list = (tickers.data ?? []).filter((t) => (!venue || t.venue === venue) && (!quote || t.quote === quote)
      && (!q || t.symbol.toLowerCase().includes(q) || t.market.toLowerCase().includes(q) || t.base.toLowerCase().includes(q)));
    const val = (t: Ticker) => (sort.key === 'symbol' ? t.symbol : sort.key === 'venue' ? t.venue : t[sort.key]);
    return list.sort((a, b) => {
      const x = val(a);
      const y = val(b);
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (typeof x === 'string' ? x.localeCompare(y as string) : (x as number) - (y as number)) * sort.dir;
    });
  }, [tickers.data, search, venue, quote, sort]);

  // Live prices for the rows on screen (one channel per base asset).
  const bases = useMemo(() => [...new Set(rows.slice(0, shown).map((t) => t.base))].sort(), [rows, shown]);
  const status = useStream(['tickers', ...bases.map((b) => `prices:${b}`)], (e: StreamEvent) => {
    tickers.set((list) => list?.map((t) => {
      if (e.type === 'price' && e.data.market === t.market) {
        const last = Number(e.data.price);
        const change = t.open ? last - t.open : t.change;
        return { ...t, last, time: e.data.ts, change, change_percent: t.open ? ((last - t.open) / t.open) * 100 : t.change_percent };
      }
      if (e.type === 'ticker' && e.data.market === t.market) {
        const d = e.data as Record<string, unknown>;
        const n = (k: string) => (d[k] === null || d[k] === undefined ? (t as Record<string, unknown>)[k] as number | null : Number(d[k]));
        return { ...t, last: n('last'), bid: n('bid'), ask: n('ask'), open: n('open'), high: n('high'), low: n('low'), change: n('change'), change_percent: n('change_percent'), base_volume: n('base_volume'), quote_volume: n('quote_volume') };
      }
      return t;
    }));
  });

  const header = (key: SortKey, label: string, right = false, cls = '') => {
    const on = sort.key === key;
    return (
      <th class={cx(th, right && 'text-right', 'whitespace-nowrap', cls)} aria-sort={on ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'} scope="col">
        <button type="button" class={cx('inline-flex items-center gap-1 uppercase hover:text-slate-900 dark:hover:text-white', right && 'flex-row-reverse')} onClick={() => setSort({ key, dir: on ? (sort.dir === 1 ? -1 : 1) : key === 'symbol' || key === 'venue' ? 1 : -1 })}>
          {label}
          <span aria-hidden="true" class={on ? 'text-emerald-500' : 'opacity-30'}>{on && sort.dir === 1 ? '▲' : '▼'}</span>
        </button>
      </th>
    );
  };

  return (
    <div>
      <PageTitle title={view === 'assets' ? 'Assets' : 'Markets'} sub={view === 'assets' ? 'The assets traded in the stored markets' : tickers.data ? `${rows.length} of ${tickers.data.length} markets · prices update live` : 'Every market Wick stores'}>
        <Segmented label="View" testid="markets-view" options={[{ value: 'markets', label: 'Markets' }, { value: 'assets', label: 'Assets' }]} value={view} onChange={setView} />
        <LiveDot status={status} />
      </PageTitle>
      <Card>
        <div class="mb-3 grid grid-cols-2 gap-2 sm:flex sm:flex-wrap">
          <input type="search" aria-label="Search markets" placeholder="Search BTC, binance:ETH-USDT…" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} class={cx(inputClass, 'col-span-2 min-w-0 sm:max-w-xs sm:flex-1')} data-testid="market-search" />
          {view === 'markets' && <>
          <select aria-label="Venue" value={venue} onChange={(e) => setVenue((e.target as HTMLSelectElement).value)} class={inputClass} data-testid="venue-filter">
            <option value="">All venues</option>
            {(venues.data ?? []).map((v) => <option key={v.id} value={v.id}>{v.name} ({v.markets})</option>)}
          </select>
          <select aria-label="Quote asset" value={quote} onChange={(e) => setQuote((e.target as HTMLSelectElement).value)} class={inputClass} data-testid="quote-filter">
            <option value="">All quotes</option>
            {quotes.map((q) => <option key={q} value={q}>{q}</option>)}
          </select>
          </>}
        </div>
        {view === 'assets' ? <AssetsTable search={search} /> : <>
        {tickers.error && <div class="mb-3"><ErrorNote error={tickers.error} retry={tickers.reload} /></div>}
        {tickers.data === undefined ? (!tickers.error && <Spinner label="Loading markets…" />) : tickers.data.length === 0 ? (
          <Empty>No markets yet. Configure a source (see the README) or run <code>npm run demo</code>; markets appear here as soon as they are discovered.</Empty>
        ) : rows.length === 0 ? (
          <Empty>No market matches these filters.</Empty>
        ) : (
          <div class={tableWrap}>
            <table class={tableClass} data-testid="markets-table">
              <thead class="bg-slate-50 dark:bg-slate-900/60">
                <tr>
                  {header('symbol', 'Market')}
                  {header('venue', 'Venue', false, 'hidden sm:table-cell')}
                  {header('last', 'Last', true)}
                  {header('change_percent', '24h', true)}
                  {header('quote_volume', 'Volume 24h', true)}
                  <th class={cx(th, 'hidden md:table-cell')} scope="col">7 days</th>
                  {header('trades', 'Trades', true, 'hidden sm:table-cell')}
                </tr>
              </thead>
              <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                {rows.slice(0, shown).map((t) => (
                  <tr key={t.market} class={cx(rowClass, 'cursor-pointer')} data-market={t.market} onClick={() => route(`/markets/${encodeURIComponent(t.market)}`)}>
                    <td class={td}>
                      <a href={`/markets/${encodeURIComponent(t.market)}`} class="whitespace-nowrap font-semibold hover:underline" onClick={(e) => e.stopPropagation()}>{t.base}<span class="text-slate-400">/{t.quote}</span></a>
                      <div class="text-xs text-slate-500 sm:hidden">{t.venue}</div>
                    </td>
                    <td class={cx(td, 'hidden text-slate-500 sm:table-cell')}>{t.venue}</td>
                    <td class={cx(td, 'whitespace-nowrap text-right')}><PriceCell value={t.last} testid={`last-${t.market}`} /></td>
                    <td class={cx(td, 'tabular whitespace-nowrap text-right font-medium', changeClass(t.change_percent))}>{percent(t.change_percent)}</td>
                    <td class={cx(td, 'tabular whitespace-nowrap text-right')} title={t.base_volume !== null ? `${volume(t.base_volume)} ${t.base}` : undefined}>{volume(t.quote_volume)} <span class="text-xs text-slate-400">{t.quote}</span></td>
                    <td class={cx(td, 'hidden md:table-cell')}><SparkCell market={t.market} /></td>
                    <td class={cx(td, 'tabular hidden text-right text-slate-500 sm:table-cell')}>{count(t.trades)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {rows.length > shown && (
              <div class="border-t border-slate-200 p-2 text-center dark:border-slate-800">
                <Button small onClick={() => setShown(shown + PAGE_ROWS)}>Show {Math.min(PAGE_ROWS, rows.length - shown)} more of {rows.length - shown}</Button>
              </div>
            )}
          </div>
        )}
        </>}
      </Card>
    </div>
  );
}
