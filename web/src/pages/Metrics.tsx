// Metrics explorer: every metric series (name + labels) with its last value; pick one to
// chart its last 24 h and see its rank among the series of the same name.
import { useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, call } from '../api/client';
import { LineChart } from '../components/LineChart';
import { Card, cx, Empty, ErrorNote, inputClass, Loadable, PageTitle, Spinner } from '../components/ui';
import { ago, price } from '../lib/format';
import { useLoad } from '../lib/hooks';

const labelText = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(', ') || '(no labels)';

export function MetricsPage() {
  const { query } = useLocation();
  const [filter, setFilter] = useState('');
  const [sel, setSel] = useState<{ name: string; labels: Record<string, string> } | null>(query.name ? { name: query.name, labels: query.labels ? JSON.parse(query.labels) : {} } : null);
  const metrics = useLoad(() => call(api.GET('/v1/metrics')).then((r) => r.metrics), [], 60_000);
  const history = useLoad(
    () => (sel ? call(api.GET('/v1/metrics/{name}/history', { params: { path: { name: sel.name }, query: { labels: JSON.stringify(sel.labels) } } })) : Promise.resolve(null)),
    [sel?.name, JSON.stringify(sel?.labels)],
    60_000,
  );
  const list = useMemo(() => (metrics.data ?? []).flatMap((m) => m.series.map((s) => ({ name: m.name, ...s })))
    .filter((s) => !filter || `${s.name} ${labelText(s.labels)}`.toLowerCase().includes(filter.toLowerCase())), [metrics.data, filter]);
  return (
    <div>
      <PageTitle title="Metrics explorer" sub="Generic metric series (http source, subgraphs, on-chain figures…)" />
      <div class="grid gap-4 lg:grid-cols-3">
        <Card title="Series">
          <input type="search" aria-label="Filter series" placeholder="Filter…" class={cx(inputClass, 'mb-2 w-full')} value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
          <Loadable state={metrics} empty={(d) => d.length === 0 && 'No metric series stored yet. Metrics come from sources such as the http source (see the README).'}>
            {() => (
              <ul class="max-h-[32rem] space-y-1 overflow-y-auto" data-testid="metric-series">
                {list.map((s) => {
                  const on = sel?.name === s.name && JSON.stringify(sel.labels) === JSON.stringify(s.labels);
                  return (
                    <li key={`${s.name}${JSON.stringify(s.labels)}`}>
                      <button type="button" aria-pressed={on} onClick={() => setSel({ name: s.name, labels: s.labels })} class={cx('w-full rounded-lg px-2 py-1.5 text-left text-sm hover:bg-slate-100 dark:hover:bg-slate-800', on && 'bg-emerald-50 ring-1 ring-emerald-500 dark:bg-emerald-950/40')}>
                        <div class="font-medium">{s.name}</div>
                        <div class="flex justify-between gap-2 text-xs text-slate-500"><span class="truncate">{labelText(s.labels)}</span><span class="tabular">{price(s.last_value)}</span></div>
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
          </Loadable>
        </Card>
        <Card class="lg:col-span-2" title={sel ? `${sel.name} · ${labelText(sel.labels)}` : 'Chart'}>
          {!sel ? <Empty>Pick a series on the left to chart its last 24 hours.</Empty> : (() => {
            const h = history.data;
            // Only the picked series' data (not the previous pick's while the new one loads).
            if (!h || h.name !== sel.name || JSON.stringify(h.labels) !== JSON.stringify(sel.labels)) {
              return history.error && !history.loading ? <ErrorNote error={history.error} retry={history.reload} /> : <Spinner label="Loading series…" />;
            }
            return (
              <div>
                <div class="mb-3 flex flex-wrap gap-6">
                  <div><div class="text-xs text-slate-500">Latest</div><div class="tabular text-xl font-bold">{price(h.value)}</div></div>
                  <div><div class="text-xs text-slate-500">Rank among {h.peers} series</div><div class="tabular text-xl font-bold" data-testid="metric-rank">{h.rank === null ? '—' : `#${h.rank}`}</div></div>
                  <div><div class="text-xs text-slate-500">Last point</div><div class="text-sm">{ago(h.points.at(-1)?.[0])}</div></div>
                </div>
                {h.points.length ? <LineChart points={h.points as Array<[number, number]>} height={320} /> : <Empty>No points in the last 24 hours.</Empty>}
              </div>
            );
          })()}
        </Card>
      </div>
    </div>
  );
}
