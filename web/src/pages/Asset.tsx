// One asset: its aggregated price with the venues behind it, 24 h statistics over all its
// markets (when the analytics can price it), and every market it trades in.
import { useRoute } from 'preact-iso';
import { api, call } from '../api/client';
import { Card, cx, Empty, PageTitle, rowClass, Spinner, tableClass, tableWrap, td, th } from '../components/ui';
import { changeClass, percent, price, volume } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { AggregatedPrice } from './Market';

function Stat({ label, value, cls }: { label: string; value: string; cls?: string }) {
  return <div><div class="text-xs text-slate-500 dark:text-slate-400">{label}</div><div class={cx('tabular text-sm font-semibold', cls)}>{value}</div></div>;
}

export function AssetPage() {
  const { params } = useRoute();
  const asset = decodeURIComponent(params.asset).toUpperCase();
  const stats = useLoad(() => call(api.GET('/v1/assets/{asset}/stats', { params: { path: { asset } } })), [asset], 60_000);
  const markets = useLoad(async () => {
    const [asBase, asQuote] = await Promise.all([
      call(api.GET('/v1/tickers', { params: { query: { base: asset, limit: 500 } } })),
      call(api.GET('/v1/tickers', { params: { query: { quote: asset, limit: 500 } } })),
    ]);
    return [...asBase.tickers, ...asQuote.tickers];
  }, [asset], 60_000);
  const s = stats.data;
  return (
    <div>
      <PageTitle title={<>{asset}{s?.name && <span class="ml-2 text-base font-medium text-slate-500">{s.name}</span>}</>} sub="Aggregated over every market that trades it" />
      <div class="grid gap-4 lg:grid-cols-3">
        <div class="space-y-4 lg:col-span-2">
          <Card title="24 h statistics (USD)" testid="asset-stats">
            {s ? (
              <div class="grid grid-cols-2 gap-3 sm:grid-cols-4">
                <Stat label="Price" value={`$${price(s.price)}`} />
                <Stat label="24h change" value={percent(s.change_pct)} cls={changeClass(s.change_pct)} />
                <Stat label="7d change" value={percent(s.change_7d_pct)} cls={changeClass(s.change_7d_pct)} />
                <Stat label="24h volume" value={s.volume_usd === null ? '—' : `$${volume(s.volume_usd)}`} />
                <Stat label="24h high" value={`$${price(s.high)}`} />
                <Stat label="24h low" value={`$${price(s.low)}`} />
                <Stat label="Volatility" value={s.volatility === null ? '—' : s.volatility.toFixed(4)} />
                <Stat label="Trend" value={s.trend_score === null ? '—' : `${s.trend_score.toFixed(2)}×`} />
              </div>
            ) : stats.error ? (
              <Empty>{stats.error.status === 503 ? 'Analytics have not been computed yet; this fills in after the first analytics run.' : stats.error.message}</Empty>
            ) : <Spinner />}
          </Card>
          <Card title="Markets">
            {markets.data === undefined ? (markets.error ? <Empty>{markets.error.message}</Empty> : <Spinner />) : markets.data.length === 0 ? <Empty>No market trades {asset}.</Empty> : (
              <div class={tableWrap}>
                <table class={tableClass} data-testid="asset-markets">
                  <thead class="bg-slate-50 dark:bg-slate-900/60"><tr><th class={th} scope="col">Market</th><th class={cx(th, 'text-right')} scope="col">Last</th><th class={cx(th, 'text-right')} scope="col">24h</th><th class={cx(th, 'text-right')} scope="col">Volume 24h</th></tr></thead>
                  <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {markets.data.map((t) => (
                      <tr key={t.market} class={rowClass}>
                        <td class={td}><a class="font-semibold hover:underline" href={`/markets/${encodeURIComponent(t.market)}`}>{t.base}/{t.quote}</a> <span class="text-xs text-slate-500">{t.venue}</span></td>
                        <td class={cx(td, 'tabular text-right')}>{price(t.last)}</td>
                        <td class={cx(td, 'tabular text-right', changeClass(t.change_percent))}>{percent(t.change_percent)}</td>
                        <td class={cx(td, 'tabular text-right')}>{volume(t.quote_volume)} <span class="text-xs text-slate-400">{t.quote}</span></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        </div>
        <AggregatedPrice asset={asset} />
      </div>
    </div>
  );
}
