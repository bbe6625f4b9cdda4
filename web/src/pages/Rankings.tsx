// Rankings (by 24 h USD volume, change or volatility) and trending (activity against the
// item's own 7-day baseline) for assets, markets and metric series.
import { useState } from 'preact/hooks';
import { api, call } from '../api/client';
import { Card, cx, Empty, PageTitle, rowClass, Segmented, Spinner, tableClass, tableWrap, td, th } from '../components/ui';
import { changeClass, percent, volume } from '../lib/format';
import { useLoad } from '../lib/hooks';

type Kind = 'asset' | 'market' | 'metric';
type By = 'volume' | 'change' | 'volatility';
type Item = { rank: number; kind: string; id: string; name: string | null; labels?: Record<string, string>; value: number | null; volume_usd: number | null; change_pct: number | null; volatility: number | null; trend_score: number | null };

const link = (i: Item) => (i.kind === 'market' ? `/markets/${encodeURIComponent(i.id)}` : i.kind === 'asset' ? `/assets/${encodeURIComponent(i.id)}` : i.kind === 'metric' ? `/explorer?name=${encodeURIComponent(i.name ?? i.id.split('{')[0])}&labels=${encodeURIComponent(JSON.stringify(i.labels ?? {}))}` : null);

function Items({ items, testid }: { items: Item[]; testid: string }) {
  return (
    <div class={tableWrap}>
      <table class={tableClass} data-testid={testid}>
        <thead class="bg-slate-50 dark:bg-slate-900/60"><tr>
          <th class={th} scope="col">#</th><th class={th} scope="col">Name</th>
          <th class={cx(th, 'text-right')} scope="col">Volume 24h</th><th class={cx(th, 'text-right')} scope="col">24h</th>
          <th class={cx(th, 'hidden text-right sm:table-cell')} scope="col">Volatility</th><th class={cx(th, 'text-right')} scope="col">Trend</th>
        </tr></thead>
        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
          {items.map((i) => {
            const href = link(i);
            return (
              <tr key={i.id} class={rowClass}>
                <td class={cx(td, 'tabular text-slate-500')}>{i.rank}</td>
                <td class={td}>{href ? <a class="font-semibold hover:underline" href={href}>{i.id}</a> : <span class="font-semibold">{i.id}</span>}{i.name && i.name !== i.id && <span class="ml-2 text-xs text-slate-500">{i.name}</span>}</td>
                <td class={cx(td, 'tabular text-right')}>{i.volume_usd === null ? '—' : `$${volume(i.volume_usd)}`}</td>
                <td class={cx(td, 'tabular text-right', changeClass(i.change_pct))}>{percent(i.change_pct)}</td>
                <td class={cx(td, 'tabular hidden text-right sm:table-cell')}>{i.volatility === null ? '—' : i.volatility.toFixed(4)}</td>
                <td class={cx(td, 'tabular text-right')}>{i.trend_score === null ? '—' : `${i.trend_score.toFixed(2)}×`}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Section({ load, testid, empty }: { load: ReturnType<typeof useLoad<Item[]>>; testid: string; empty: string }) {
  if (load.data === undefined) {
    if (!load.error) return <Spinner />;
    return <Empty>{load.error.status === 503 ? 'Analytics have not been computed yet — the first run follows the start. This page retries on its own.' : load.error.message}</Empty>;
  }
  return load.data.length ? <Items items={load.data} testid={testid} /> : <Empty>{empty}</Empty>;
}

export function RankingsPage() {
  const [kind, setKind] = useState<Kind>('asset');
  const [by, setBy] = useState<By>('volume');
  const rankings = useLoad<Item[]>(() => call(api.GET('/v1/rankings', { params: { query: { kind, by, limit: 50 } } })).then((r) => r.items as Item[]), [kind, by], 30_000);
  const trending = useLoad<Item[]>(() => call(api.GET('/v1/trending', { params: { query: { kind, limit: 10 } } })).then((r) => r.items as Item[]), [kind], 30_000);
  return (
    <div>
      <PageTitle title="Rankings & trending" sub="Computed by the analytics job from stored trades and candles">
        <Segmented label="Kind" options={[{ value: 'asset', label: 'Assets' }, { value: 'market', label: 'Markets' }, { value: 'metric', label: 'Metrics' }]} value={kind} onChange={setKind} />
      </PageTitle>
      <div class="grid gap-4 lg:grid-cols-3">
        <Card class="lg:col-span-2" title="Rankings" actions={<Segmented label="Rank by" options={[{ value: 'volume', label: 'Volume' }, { value: 'change', label: 'Change' }, { value: 'volatility', label: 'Volatility' }]} value={by} onChange={setBy} />}>
          <Section load={rankings} testid="rankings-table" empty={`No ${kind}s with ${by} figures yet.${by === 'volume' && kind !== 'metric' ? ' USD volumes need a market that prices the quote asset in USD (e.g. ETH/USDT).' : ''}`} />
        </Card>
        <Card title="Trending (last hour vs 7-day baseline)">
          <Section load={trending} testid="trending-table" empty="Nothing trending: no item is more active than its baseline." />
        </Card>
      </div>
    </div>
  );
}
