// Alerts: create, edit, pause and delete rules, preview when a rule would have fired over
// the last 24 h before saving it, and the history of firings (live).
import { useMemo, useState } from 'preact/hooks';
import { api, ApiError, call } from '../api/client';
import { LineChart } from '../components/LineChart';
import { Badge, Button, Card, cx, Empty, ErrorNote, Field, inputClass, Loadable, PageTitle, rowClass, Spinner, tableClass, tableWrap, td, th } from '../components/ui';
import { useAuth } from '../lib/auth';
import { time } from '../lib/format';
import { useLoad, useStream } from '../lib/hooks';

type SeriesKind = 'market' | 'ticker' | 'metric';
type CondKind = 'threshold' | 'change' | 'ratio_ma' | 'stale';

interface Form {
  id: number | null;
  name: string;
  kind: SeriesKind;
  market: string;
  field: string;
  resolution: string;
  metric: string;
  labels: string;
  cond: CondKind;
  op: 'above' | 'below';
  value: string;
  percent: string;
  window: string;
  direction: 'any' | 'up' | 'down';
  factor: string;
  after: string;
  cooldown: string;
  email: string;
  enabled: boolean;
  otherChannels: Array<Record<string, unknown>>;
}

const blank = (market = ''): Form => ({
  id: null, name: '', kind: 'market', market, field: 'price', resolution: '1m', metric: '', labels: '{}', cond: 'threshold', op: 'above', value: '',
  percent: '5', window: '1h', direction: 'any', factor: '3', after: '15m', cooldown: '15m', email: '', enabled: true, otherChannels: [],
});

const RES_TEXT: Record<number, string> = { 60: '1m', 300: '5m', 900: '15m', 3600: '1h', 14400: '4h', 86400: '1d' };
function msText(ms: number | undefined): string {
  if (!ms) return '';
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

const FIELDS: Record<SeriesKind, string[]> = {
  market: ['price', 'volume', 'quote_volume', 'trades'],
  ticker: ['last', 'bid', 'ask', 'base_volume', 'quote_volume', 'change_percent'],
  metric: [],
};

type Rule = { id: number; name: string; fromConfig: boolean; series: Record<string, any>; condition: Record<string, any>; cooldownMs: number; hysteresis: number; channels: Array<Record<string, any>>; enabled: boolean; ownerId: number | null };

function fromRule(r: Rule): Form {
  const s = r.series;
  const c = r.condition;
  const email = r.channels.find((x) => x.type === 'email');
  return {
    ...blank(), id: r.id, name: r.name, kind: s.kind, market: s.market ?? '', field: s.field ?? 'price', resolution: RES_TEXT[s.resolution] ?? '1m',
    metric: s.name ?? '', labels: JSON.stringify(s.labels ?? {}), cond: c.kind, op: c.op ?? 'above', value: c.value !== undefined ? String(c.value) : '',
    percent: c.percent !== undefined ? String(c.percent) : '5', window: c.window ? msText(c.window) : '1h', direction: c.direction ?? 'any',
    factor: c.factor !== undefined ? String(c.factor) : '3', after: c.after ? msText(c.after) : '15m', cooldown: msText(r.cooldownMs), email: email?.to ?? '',
    enabled: r.enabled, otherChannels: r.channels.filter((x) => x !== email),
  };
}

function body(f: Form) {
  let labels: Record<string, string> = {};
  if (f.kind === 'metric') {
    try { labels = JSON.parse(f.labels || '{}'); } catch { throw new ApiError(400, 'labels: write them as JSON, e.g. {"pair":"ETH-USDC"}', 'labels'); }
  }
  const series = f.kind === 'metric' ? { kind: 'metric', name: f.metric, labels }
    : f.kind === 'ticker' ? { kind: 'ticker', market: f.market, field: f.field } : { kind: 'market', market: f.market, field: f.field, resolution: f.resolution };
  const condition = f.cond === 'threshold' ? { kind: 'threshold', op: f.op, value: Number(f.value) }
    : f.cond === 'change' ? { kind: 'change', percent: Number(f.percent), window: f.window, direction: f.direction }
    : f.cond === 'ratio_ma' ? { kind: 'ratio_ma', factor: Number(f.factor), window: f.window } : { kind: 'stale', after: f.after };
  if (f.cond === 'threshold' && (f.value.trim() === '' || !Number.isFinite(Number(f.value)))) throw new ApiError(400, 'condition.value: enter the threshold as a number', 'condition.value');
  return {
    name: f.name.trim(), series, condition, ...(f.cooldown ? { cooldown: f.cooldown } : {}), enabled: f.enabled,
    channels: [...(f.email.trim() ? [{ type: 'email', to: f.email.trim() }] : []), ...f.otherChannels],
  };
}

function describeRule(r: Rule): string {
  const s = r.series;
  const c = r.condition;
  const what = s.kind === 'metric' ? `${s.name}${Object.keys(s.labels ?? {}).length ? ` ${JSON.stringify(s.labels)}` : ''}` : `${s.field} of ${s.market}${s.kind === 'market' ? ` (${RES_TEXT[s.resolution] ?? ''})` : ''}`;
  const cond = c.kind === 'threshold' ? `${c.op} ${c.value}` : c.kind === 'change' ? `moves ${c.percent} % ${c.direction === 'any' ? '' : `${c.direction} `}within ${msText(c.window)}` : c.kind === 'ratio_ma' ? `> ${c.factor}× its ${msText(c.window)} average` : c.kind === 'stale' ? `no data for ${msText(c.after)}` : c.kind;
  return `${what} ${cond}`;
}

function RuleForm({ initial, markets, onSaved, onCancel }: { initial: Form; markets: string[]; onSaved: () => void; onCancel: () => void }) {
  const [f, setF] = useState<Form>(initial);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<{ points: Array<[number, number]>; firings: Array<{ at: number; value: number }> } | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const set = <K extends keyof Form>(k: K) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).type === 'checkbox' ? (e.target as HTMLInputElement).checked : (e.target as HTMLInputElement).value });
  const markers = useMemo(() => (preview?.firings ?? []).map((x) => ({ time: x.at, text: 'fires' })), [preview]);

  const doPreview = async () => {
    setError(null);
    setPreviewing(true);
    try {
      const r = await call(api.POST('/v1/alerts/preview', { params: { query: { hours: 24 } }, body: body(f) }));
      setPreview({ points: r.points as Array<[number, number]>, firings: r.firings });
    } catch (e) { setError(e as Error); setPreview(null); } finally { setPreviewing(false); }
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const b = body(f);
      if (f.id === null) await call(api.POST('/v1/alerts/rules', { body: b }));
      else await call(api.PUT('/v1/alerts/rules/{id}', { params: { path: { id: f.id } }, body: b }));
      onSaved();
    } catch (err) { setError(err as Error); } finally { setBusy(false); }
  };
  const sel = (k: keyof Form, opts: string[], label: string) => (
    <Field label={label}><select class={inputClass} value={f[k] as string} onChange={set(k)}>{opts.map((o) => <option key={o} value={o}>{o}</option>)}</select></Field>
  );
  return (
    <form onSubmit={save} class="space-y-4" data-testid="rule-form">
      <div class="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Field label="Name"><input class={inputClass} name="name" required maxLength={200} value={f.name} onInput={set('name')} placeholder="XRP/ETH above 0.0013" /></Field>
        {sel('kind', ['market', 'ticker', 'metric'], 'Series')}
        {f.kind !== 'metric' ? (
          <Field label="Market">
            <select class={inputClass} name="market" value={f.market} onChange={set('market')} required>
              <option value="" disabled>Choose a market</option>
              {markets.map((m) => <option key={m} value={m}>{m}</option>)}
            </select>
          </Field>
        ) : (
          <Field label="Metric name"><input class={inputClass} value={f.metric} onInput={set('metric')} required /></Field>
        )}
        {f.kind === 'metric' ? <Field label="Labels (JSON)"><input class={inputClass} value={f.labels} onInput={set('labels')} /></Field> : sel('field', FIELDS[f.kind], 'Field')}
        {f.kind === 'market' && sel('resolution', ['1m', '5m', '15m', '1h', '4h', '1d'], 'Resolution')}
        {sel('cond', ['threshold', 'change', 'ratio_ma', 'stale'], 'Condition')}
        {f.cond === 'threshold' && <>{sel('op', ['above', 'below'], 'When the value is')}<Field label="Threshold"><input class={inputClass} name="value" inputMode="decimal" value={f.value} onInput={set('value')} required /></Field></>}
        {f.cond === 'change' && <><Field label="Change %"><input class={inputClass} inputMode="decimal" value={f.percent} onInput={set('percent')} /></Field><Field label="Within" hint="e.g. 15m, 1h"><input class={inputClass} value={f.window} onInput={set('window')} /></Field>{sel('direction', ['any', 'up', 'down'], 'Direction')}</>}
        {f.cond === 'ratio_ma' && <><Field label="Factor (× average)"><input class={inputClass} inputMode="decimal" value={f.factor} onInput={set('factor')} /></Field><Field label="Average over"><input class={inputClass} value={f.window} onInput={set('window')} /></Field></>}
        {f.cond === 'stale' && <Field label="No data for"><input class={inputClass} value={f.after} onInput={set('after')} /></Field>}
        <Field label="Cooldown" hint="no second firing within"><input class={inputClass} value={f.cooldown} onInput={set('cooldown')} placeholder="15m" /></Field>
        <Field label="E-mail to (optional)"><input class={inputClass} type="email" value={f.email} onInput={set('email')} placeholder="you@example.com" /></Field>
        <label class="flex items-center gap-2 self-end pb-2 text-sm"><input type="checkbox" checked={f.enabled} onChange={set('enabled')} class="h-4 w-4 accent-emerald-600" /> Enabled</label>
      </div>
      <ErrorNote error={error} />
      {preview && (
        <div class="rounded-lg border border-slate-200 p-3 dark:border-slate-800" data-testid="rule-preview">
          <p class="mb-2 text-sm font-medium">
            {preview.firings.length === 0 ? 'Would not have fired in the last 24 h.' : `Would have fired ${preview.firings.length} time${preview.firings.length === 1 ? '' : 's'} in the last 24 h.`}
          </p>
          {preview.points.length ? <LineChart points={preview.points} markers={markers} line={f.cond === 'threshold' && Number.isFinite(Number(f.value)) && f.value !== '' ? { value: Number(f.value), title: f.op } : undefined} height={200} /> : <Empty>No data for this series in the last 24 h.</Empty>}
        </div>
      )}
      <div class="flex flex-wrap gap-2">
        <Button onClick={doPreview} disabled={previewing}>{previewing ? 'Previewing…' : 'Preview last 24 h'}</Button>
        <Button variant="primary" type="submit" disabled={busy}>{busy ? 'Saving…' : f.id === null ? 'Create rule' : 'Save changes'}</Button>
        <Button variant="ghost" onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}

export function AlertsPage() {
  const { user, checked } = useAuth();
  const [editing, setEditing] = useState<Form | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const rules = useLoad(() => (user ? call(api.GET('/v1/alerts/rules', { params: { query: { shared: true } } })).then((r) => r.rules as Rule[]) : Promise.resolve([] as Rule[])), [user?.id]);
  const events = useLoad(() => (user ? call(api.GET('/v1/alerts/events', { params: { query: { limit: 50 } } })).then((r) => r.events) : Promise.resolve([])), [user?.id], 30_000);
  const markets = useLoad(() => call(api.GET('/v1/markets', { params: { query: { limit: 1000 } } })).then((r) => r.markets.map((m) => m.id)), []);
  useStream(user ? ['alerts'] : [], () => events.reload());

  if (!checked) return <Spinner />;
  if (!user) {
    return (
      <div>
        <PageTitle title="Alerts" />
        <Empty>Alert rules belong to an account. <a class="font-medium underline" href="/login?next=/alerts">Sign in</a> to create and manage them.</Empty>
      </div>
    );
  }
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try { await fn(); rules.reload(); } catch (e) { setError(e as Error); }
  };
  const toggle = (r: Rule) => act(() => call(api.PUT('/v1/alerts/rules/{id}', { params: { path: { id: r.id } }, body: body({ ...fromRule(r), enabled: !r.enabled }) })));
  const remove = (r: Rule) => { if (confirm(`Delete the rule "${r.name}" and its history?`)) void act(() => call(api.DELETE('/v1/alerts/rules/{id}', { params: { path: { id: r.id } } }))); };

  return (
    <div class="space-y-4">
      <PageTitle title="Alerts" sub="Rules are evaluated as data arrives; firings are e-mailed or posted to webhooks">
        {!editing && <Button variant="primary" onClick={() => setEditing(blank(markets.data?.[0] ?? ''))} data-testid="new-rule">New rule</Button>}
      </PageTitle>
      {editing && (
        <Card title={editing.id === null ? 'New rule' : `Edit rule ${editing.id}`}>
          <RuleForm key={editing.id ?? 'new'} initial={editing} markets={markets.data ?? []} onCancel={() => setEditing(null)} onSaved={() => { setEditing(null); rules.reload(); }} />
        </Card>
      )}
      <ErrorNote error={error} />
      <Card title="Rules">
        <Loadable state={rules} empty={(d) => d.length === 0 && 'No alert rules yet. Create one with “New rule”.'}>
          {(list) => (
            <div class={tableWrap}>
              <table class={tableClass} data-testid="rules-table">
                <thead class="bg-slate-50 dark:bg-slate-900/60"><tr><th class={th} scope="col">Rule</th><th class={cx(th, 'hidden md:table-cell')} scope="col">Watches</th><th class={th} scope="col">State</th><th class={cx(th, 'text-right')} scope="col">Actions</th></tr></thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                  {list.map((r) => (
                    <tr key={r.id} class={rowClass} data-rule={r.name}>
                      <td class={td}><div class="font-medium">{r.name}</div><div class="text-xs text-slate-500 md:hidden">{describeRule(r)}</div></td>
                      <td class={cx(td, 'hidden text-slate-600 md:table-cell dark:text-slate-300')}>{describeRule(r)}</td>
                      <td class={td}>{r.enabled ? <Badge tone="green">active</Badge> : <Badge tone="amber">paused</Badge>} {r.fromConfig && <Badge>config</Badge>}</td>
                      <td class={cx(td, 'whitespace-nowrap text-right')}>
                        {r.fromConfig ? <span class="text-xs text-slate-500">edit in the config file</span> : (
                          <div class="inline-flex gap-1">
                            <Button small onClick={() => setEditing(fromRule(r))} aria-label={`Edit ${r.name}`}>Edit</Button>
                            <Button small onClick={() => toggle(r)} aria-label={`${r.enabled ? 'Pause' : 'Resume'} ${r.name}`}>{r.enabled ? 'Pause' : 'Resume'}</Button>
                            <Button small variant="danger" onClick={() => remove(r)} aria-label={`Delete ${r.name}`}>Delete</Button>
                          </div>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Loadable>
      </Card>
      <Card title="History">
        <Loadable state={events} empty={(d) => d.length === 0 && 'No rule has fired yet.'}>
          {(list) => (
            <ul class="divide-y divide-slate-100 dark:divide-slate-800" data-testid="alert-history">
              {list.map((e) => (
                <li key={e.id} class="flex flex-wrap justify-between gap-2 py-2 text-sm">
                  <span>{e.message}</span>
                  <span class="tabular text-xs text-slate-500">{time(e.at)}</span>
                </li>
              ))}
            </ul>
          )}
        </Loadable>
      </Card>
    </div>
  );
}
