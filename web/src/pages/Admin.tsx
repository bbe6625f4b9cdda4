// Admin console (admins only): jobs (state, last run, errors, next run, run now), the
// dead-letter queue (inspect, retry, flush), sources and provider budgets, users, API keys
// and a read-only data browser over every table.
import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api, call } from '../api/client';
import { Badge, Button, Card, cx, Empty, ErrorNote, Field, inputClass, Loadable, PageTitle, rowClass, Spinner, tableClass, tableWrap, td, th } from '../components/ui';
import { useAuth } from '../lib/auth';
import { ago, count, duration, time, volume } from '../lib/format';
import { useDebounced, useLoad, useStream } from '../lib/hooks';

const TABS = [
  { id: 'jobs', label: 'Jobs' },
  { id: 'dlq', label: 'Dead letters' },
  { id: 'budgets', label: 'Sources & budgets' },
  { id: 'users', label: 'Users' },
  { id: 'keys', label: 'API keys' },
  { id: 'data', label: 'Data browser' },
] as const;

function useAction(after: () => void) {
  const [error, setError] = useState<Error | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const run = async (fn: () => Promise<string | void>) => {
    setError(null);
    setNote(null);
    try { const n = await fn(); if (n) setNote(n); after(); } catch (e) { setError(e as Error); }
  };
  const view = <>{error && <div class="mb-3"><ErrorNote error={error} /></div>}{note && <div role="status" class="mb-3 rounded-lg border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-900 dark:bg-emerald-950/50 dark:text-emerald-200" data-testid="action-note">{note}</div>}</>;
  return { run, view };
}

function Jobs() {
  const jobs = useLoad(() => call(api.GET('/v1/admin/jobs')).then((r) => r.jobs), [], 10_000);
  useStream(['jobs'], () => jobs.reload());
  const { run, view } = useAction(jobs.reload);
  return (
    <Card title="Jobs">
      {view}
      <Loadable state={jobs} empty={(d) => d.length === 0 && 'No jobs: configure sources (and analytics) to schedule ingestion.'}>
        {(list) => (
          <div class={tableWrap}>
            <table class={tableClass} data-testid="jobs-table">
              <thead class="bg-slate-50 dark:bg-slate-900/60"><tr>
                <th class={th} scope="col">Job</th><th class={th} scope="col">Schedule</th><th class={th} scope="col">State</th><th class={th} scope="col">Last run</th>
                <th class={cx(th, 'hidden lg:table-cell')} scope="col">Last error</th><th class={th} scope="col">Next run</th><th class={cx(th, 'text-right')} scope="col"><span class="sr-only">Actions</span></th>
              </tr></thead>
              <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                {list.map((j) => (
                  <tr key={j.name} class={rowClass} data-job={j.name}>
                    <td class={td}><div class="font-medium">{j.name}</div><div class="text-xs text-slate-500">{j.description}</div></td>
                    <td class={cx(td, 'text-xs')}>{j.schedule}{j.deferred && <div><Badge tone="amber">deferred</Badge></div>}</td>
                    <td class={td}>
                      {j.active > 0 ? <Badge tone="blue">running</Badge> : j.retrying > 0 ? <Badge tone="amber">retrying {j.retrying}</Badge> : j.queued > 0 ? <Badge>queued {j.queued}</Badge> : <Badge tone="green">idle</Badge>}
                      <div class="mt-0.5 text-xs text-slate-500">{j.runs} runs · {j.failures} failed</div>
                    </td>
                    <td class={cx(td, 'text-xs')}>{ago(j.last_run_at)}<div class="text-slate-500">{j.last_duration_ms !== null ? duration(j.last_duration_ms) : ''}{j.last_rows !== null ? ` · ${count(j.last_rows)} rows` : ''}</div></td>
                    <td class={cx(td, 'hidden max-w-xs truncate text-xs lg:table-cell', j.last_error ? 'text-rose-600 dark:text-rose-400' : 'text-slate-400')} title={j.last_error ?? undefined}>{j.last_error ? `${j.last_error} (${ago(j.last_error_at)})` : '—'}</td>
                    <td class={cx(td, 'text-xs')}>{ago(j.next_run_at)}</td>
                    <td class={cx(td, 'whitespace-nowrap text-right')}>
                      <Button small onClick={() => run(async () => { const r = await call(api.POST('/v1/admin/jobs/{job}/run', { params: { path: { job: j.name } } })); return r.alreadyQueued ? `${j.name} already has a run waiting.` : `${j.name} queued (run ${r.jobId}).`; })} aria-label={`Run ${j.name} now`}>Run now</Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loadable>
    </Card>
  );
}

function DeadLetters() {
  const dlq = useLoad(() => call(api.GET('/v1/admin/jobs/dlq')).then((r) => r.deadLetters), [], 15_000);
  const alerts = useLoad(() => call(api.GET('/v1/alerts/dead-letters', { params: { query: { limit: 50 } } })).then((r) => r.deadLetters), [], 30_000);
  const { run, view } = useAction(() => { dlq.reload(); alerts.reload(); });
  return (
    <div class="space-y-4">
      <Card
        title="Job dead-letter queue"
        actions={dlq.data?.length ? <>
          <Button small onClick={() => run(async () => { const r = await call(api.POST('/v1/admin/jobs/dlq/retry', { body: { all: true } })); return `${r.retried.length} dead letter${r.retried.length === 1 ? '' : 's'} moved back to ${r.retried.length === 1 ? 'its queue' : 'their queues'}.`; })}>Retry all</Button>
          <Button small variant="danger" onClick={() => { if (confirm('Delete every dead letter?')) void run(async () => { const r = await call(api.DELETE('/v1/admin/jobs/dlq')); return `${r.flushed} dead letter${r.flushed === 1 ? '' : 's'} flushed.`; }); }}>Flush</Button>
        </> : null}
      >
        {view}
        <Loadable state={dlq} empty={(d) => d.length === 0 && 'The dead-letter queue is empty: every job run succeeded or is still being retried.'}>
          {(list) => (
            <ul class="space-y-2" data-testid="dlq-list">
              {list.map((d) => (
                <li key={d.id} class="rounded-lg border border-slate-200 p-3 dark:border-slate-800" data-dead-letter={d.id}>
                  <div class="flex flex-wrap items-center justify-between gap-2">
                    <div><span class="font-medium">{d.job}</span> <span class="text-xs text-slate-500">failed {ago(d.failed_at)} · {d.id}</span></div>
                    <Button small onClick={() => run(async () => { const r = await call(api.POST('/v1/admin/jobs/dlq/{id}/retry', { params: { path: { id: d.id } } })); return `Retried ${d.job}: new run ${r.retried[0]?.jobId ?? '—'}.`; })} aria-label={`Retry dead letter ${d.id}`}>Retry</Button>
                  </div>
                  <p class="mt-1 text-sm text-rose-700 dark:text-rose-300">{d.error}</p>
                  <details class="mt-1 text-xs"><summary class="cursor-pointer text-slate-500">Job data</summary><pre class="mt-1 overflow-x-auto rounded bg-slate-100 p-2 dark:bg-slate-800">{JSON.stringify(d.data, null, 2)}</pre></details>
                </li>
              ))}
            </ul>
          )}
        </Loadable>
      </Card>
      <Card title="Alert deliveries that failed every attempt">
        <Loadable state={alerts} empty={(d) => d.length === 0 && 'No failed alert deliveries.'}>
          {(list) => (
            <ul class="space-y-2">
              {list.map((d) => (
                <li key={d.id} class="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-slate-200 p-3 text-sm dark:border-slate-800">
                  <span>{d.channel} → {d.target} · rule {d.ruleId} · {d.attempts} attempts<br /><span class="text-xs text-rose-600">{d.errors.at(-1)}</span></span>
                  <Button small onClick={() => run(async () => { await call(api.POST('/v1/alerts/dead-letters/{id}/retry', { params: { path: { id: d.id } } })); return 'Delivery queued again.'; })}>Retry</Button>
                </li>
              ))}
            </ul>
          )}
        </Loadable>
      </Card>
    </div>
  );
}

function Bar({ used, quota, projected }: { used: number; quota: number | null; projected?: number }) {
  if (!quota) return <span class="text-xs text-slate-500">{count(used)} used · no quota</span>;
  const pct = Math.min(100, (used / quota) * 100);
  const proj = projected !== undefined ? Math.min(100, (projected / quota) * 100) : null;
  const tone = (projected ?? used) > quota ? 'bg-rose-500' : pct > 80 ? 'bg-amber-500' : 'bg-emerald-500';
  return (
    <div>
      <div class="relative h-2 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-800" role="meter" aria-valuenow={used} aria-valuemax={quota} aria-label="quota used">
        {proj !== null && <div class="absolute inset-y-0 left-0 bg-slate-400/40" style={{ width: `${proj}%` }} />}
        <div class={cx('absolute inset-y-0 left-0', tone)} style={{ width: `${pct}%` }} />
      </div>
      <div class="mt-1 text-xs text-slate-500">{count(used)} / {count(quota)}{projected !== undefined ? ` · projected ${count(projected)} by month end` : ''}</div>
    </div>
  );
}

function Budgets() {
  const budgets = useLoad(() => call(api.GET('/v1/admin/budgets')).then((r) => r.providers), [], 30_000);
  const sources = useLoad(() => call(api.GET('/v1/sources')).then((r) => r.sources), [], 15_000);
  return (
    <div class="space-y-4">
      <Card title="Provider budgets">
        <Loadable state={budgets} empty={(d) => d.length === 0 && 'No provider budgets configured (providers: in the config file).'}>
          {(list) => (
            <div class="grid gap-4 sm:grid-cols-2" data-testid="budgets">
              {list.map((p) => (
                <div key={p.provider} class="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
                  <div class="mb-2 flex items-center justify-between"><span class="font-semibold">{p.provider}</span>{p.quota_day === null && p.quota_month === null ? <Badge>no quota</Badge> : p.hard ? <Badge tone="blue">hard quota</Badge> : <Badge tone="amber">soft quota</Badge>}</div>
                  <div class="space-y-2 text-sm">
                    <div><div class="text-xs text-slate-500">Today</div><Bar used={p.used_today} quota={p.quota_day} /></div>
                    <div><div class="text-xs text-slate-500">This month (resets {time(p.month_resets_at)})</div><Bar used={p.used_this_month} quota={p.quota_month} projected={p.projected_month} /></div>
                    {(p.rate_per_second || p.rate_per_minute) && <div class="text-xs text-slate-500">rate {p.rate_per_second ? `${p.rate_per_second}/s` : ''} {p.rate_per_minute ? `${p.rate_per_minute}/min` : ''}</div>}
                  </div>
                </div>
              ))}
            </div>
          )}
        </Loadable>
      </Card>
      <Card title="Sources">
        <Loadable state={sources} empty={(d) => d.length === 0 && 'No sources configured.'}>
          {(list) => (
            <div class={tableWrap}>
              <table class={tableClass}>
                <thead class="bg-slate-50 dark:bg-slate-900/60"><tr><th class={th} scope="col">Source</th><th class={th} scope="col">Last run</th><th class={th} scope="col">Last success</th><th class={th} scope="col">Rows</th><th class={th} scope="col">Next run</th><th class={th} scope="col">Error</th></tr></thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                  {list.map((s) => (
                    <tr key={s.id} class={rowClass}>
                      <td class={td}><div class="font-medium">{s.id}</div><div class="text-xs text-slate-500">{s.type}{s.provider ? ` · ${s.provider}` : ''}</div></td>
                      <td class={cx(td, 'text-xs')}>{ago(s.last_run_at)}</td><td class={cx(td, 'text-xs')}>{ago(s.last_success_at)}</td>
                      <td class={cx(td, 'tabular text-xs')}>{count(s.rows)}</td><td class={cx(td, 'text-xs')}>{ago(s.next_run_at)}</td>
                      <td class={cx(td, 'max-w-xs truncate text-xs', s.last_error ? 'text-rose-600' : 'text-slate-400')} title={s.last_error ?? undefined}>{s.last_error ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Loadable>
      </Card>
    </div>
  );
}

function Users() {
  const users = useLoad(() => call(api.GET('/v1/admin/users')).then((r) => r.users), []);
  return (
    <Card title="Users">
      <Loadable state={users} empty={(d) => d.length === 0 && 'No accounts yet (wick users create).'}>
        {(list) => (
          <div class={tableWrap}>
            <table class={tableClass} data-testid="users-table">
              <thead class="bg-slate-50 dark:bg-slate-900/60"><tr><th class={th} scope="col">E-mail</th><th class={th} scope="col">Role</th><th class={th} scope="col">Verified</th><th class={th} scope="col">Sessions</th><th class={th} scope="col">Rules</th><th class={th} scope="col">Created</th></tr></thead>
              <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                {list.map((u) => (
                  <tr key={u.id} class={rowClass}>
                    <td class={cx(td, 'font-medium')}>{u.email}</td><td class={td}>{u.role === 'admin' ? <Badge tone="blue">admin</Badge> : <Badge>user</Badge>}</td>
                    <td class={td}>{u.email_verified ? '✓' : '—'}</td><td class={cx(td, 'tabular')}>{u.sessions}</td><td class={cx(td, 'tabular')}>{u.rules}</td><td class={cx(td, 'text-xs')}>{time(u.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loadable>
    </Card>
  );
}

function Keys() {
  const keys = useLoad(() => call(api.GET('/v1/admin/keys', { params: { query: { all: true } } })), []);
  const [form, setForm] = useState({ name: '', scope: 'read' as 'read' | 'write' | 'admin', rate: '', quota: '' });
  const [secret, setSecret] = useState<string | null>(null);
  const { run, view } = useAction(keys.reload);
  const create = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const r = await call(api.POST('/v1/admin/keys', { body: { scope: form.scope, ...(form.name ? { name: form.name } : {}), ...(form.rate ? { rate: form.rate } : {}), ...(form.quota ? { quota: form.quota } : {}) } }));
      setSecret(r.key);
      setForm({ ...form, name: '' });
    });
  };
  return (
    <Card title="API keys">
      {view}
      {secret && <div class="mb-3 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-800 dark:bg-amber-950/50">New key — copy it now, it is not shown again: <code class="break-all font-mono" data-testid="new-key">{secret}</code></div>}
      <form onSubmit={create} class="mb-4 flex flex-wrap items-end gap-2">
        <Field label="Name"><input class={inputClass} value={form.name} onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} /></Field>
        <Field label="Scope"><select class={inputClass} value={form.scope} onChange={(e) => setForm({ ...form, scope: (e.target as HTMLSelectElement).value as 'read' })}><option>read</option><option>write</option><option>admin</option></select></Field>
        <Field label="Rate"><input class={inputClass} placeholder="30/min" value={form.rate} onInput={(e) => setForm({ ...form, rate: (e.target as HTMLInputElement).value })} /></Field>
        <Field label="Quota"><input class={inputClass} placeholder="10000/month" value={form.quota} onInput={(e) => setForm({ ...form, quota: (e.target as HTMLInputElement).value })} /></Field>
        <Button type="submit" variant="primary">Create key</Button>
      </form>
      <Loadable state={keys} empty={(d) => d.length === 0 && 'No API keys.'}>
        {(list) => (
          <div class={tableWrap}>
            <table class={tableClass}>
              <thead class="bg-slate-50 dark:bg-slate-900/60"><tr><th class={th} scope="col">Key</th><th class={th} scope="col">Scope</th><th class={th} scope="col">Limits</th><th class={th} scope="col">Used this month</th><th class={th} scope="col">Last used</th><th class={th} scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                {list.map((k) => (
                  <tr key={k.id} class={cx(rowClass, k.revoked_at && 'opacity-50')}>
                    <td class={td}><code class="font-mono text-xs">{k.prefix}…</code> {k.name && <span class="text-xs text-slate-500">{k.name}</span>}</td>
                    <td class={td}><Badge tone={k.scope === 'admin' ? 'red' : k.scope === 'write' ? 'amber' : 'slate'}>{k.scope}</Badge></td>
                    <td class={cx(td, 'text-xs')}>{k.rate_limit ? `${k.rate_limit}/${k.rate_window_s}s` : 'no rate limit'}{k.monthly_quota ? ` · ${count(k.monthly_quota)}/month` : ''}</td>
                    <td class={cx(td, 'tabular')}>{count(k.used_this_month)}</td>
                    <td class={cx(td, 'text-xs')}>{k.revoked_at ? `revoked ${ago(Date.parse(k.revoked_at))}` : k.last_used_at ? ago(Date.parse(k.last_used_at)) : 'never'}</td>
                    <td class={cx(td, 'text-right')}>{!k.revoked_at && <Button small variant="danger" onClick={() => { if (confirm(`Revoke key ${k.prefix}…?`)) void run(async () => { await call(api.DELETE('/v1/admin/keys/{id}', { params: { path: { id: k.id } } })); return 'Key revoked.'; }); }}>Revoke</Button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loadable>
    </Card>
  );
}

const cell = (v: unknown) => (v === null || v === undefined ? '∅' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function DataBrowser() {
  const tables = useLoad(() => call(api.GET('/v1/admin/tables')).then((r) => r.tables), []);
  const [table, setTable] = useState('');
  const [sort, setSort] = useState<{ col?: string; order: 'asc' | 'desc' }>({ order: 'desc' });
  const [column, setColumn] = useState('');
  const [q, setQ] = useState('');
  const [offset, setOffset] = useState(0);
  const [row, setRow] = useState<Record<string, unknown> | null>(null);
  const dq = useDebounced(q, 300);
  const limit = 25;
  const rows = useLoad(
    () => (table ? call(api.GET('/v1/admin/tables/{table}', { params: { path: { table }, query: { limit, offset, order: sort.order, ...(sort.col ? { sort: sort.col } : {}), ...(dq ? { q: dq, ...(column ? { column } : {}) } : {}) } } })) : Promise.resolve(null)),
    [table, sort.col, sort.order, dq, column, offset],
  );
  const pick = (t: string) => { setTable(t); setSort({ order: 'desc' }); setColumn(''); setQ(''); setOffset(0); setRow(null); };
  // Rows of the table picked last (not the previous table's while the new one loads).
  const data = rows.data && rows.data.table.name === table ? rows.data : undefined;
  return (
    <div class="grid gap-4 lg:grid-cols-4">
      <Card title="Tables">
        <Loadable state={tables}>
          {(list) => (
            <ul class="max-h-[36rem] space-y-0.5 overflow-y-auto text-sm" data-testid="tables-list">
              {list.map((t) => (
                <li key={t.name}><button type="button" aria-pressed={t.name === table} onClick={() => pick(t.name)} class={cx('flex w-full justify-between gap-2 rounded px-2 py-1 text-left hover:bg-slate-100 dark:hover:bg-slate-800', t.name === table && 'bg-emerald-50 font-semibold dark:bg-emerald-950/40')}><span class="truncate">{t.name}</span><span class="tabular text-xs text-slate-500">~{volume(t.rows)}</span></button></li>
              ))}
            </ul>
          )}
        </Loadable>
      </Card>
      <div class="lg:col-span-3">
        <Card title={table || 'Rows'}>
          {!table ? <Empty>Pick a table to browse its rows (read-only; secrets are masked).</Empty> : (
            <div>
              <div class="mb-3 flex flex-wrap items-end gap-2">
                <Field label="Filter column"><select class={inputClass} value={column} onChange={(e) => { setColumn((e.target as HTMLSelectElement).value); setOffset(0); }}><option value="">any column</option>{data?.table.columns.map((c) => <option key={c.name}>{c.name}</option>)}</select></Field>
                <Field label="Contains"><input type="search" class={inputClass} value={q} onInput={(e) => { setQ((e.target as HTMLInputElement).value); setOffset(0); }} data-testid="data-filter" /></Field>
              </div>
              {rows.error && <ErrorNote error={rows.error} retry={rows.reload} />}
              {!data ? (!rows.error && <Spinner />) : data.rows.length === 0 ? <Empty>No rows{dq ? ' match this filter' : ''}.</Empty> : (
                <div class={tableWrap}>
                  <table class={cx(tableClass, 'text-xs')} data-testid="data-table">
                    <thead class="bg-slate-50 dark:bg-slate-900/60"><tr>
                      {data.table.columns.map((c) => {
                        const on = (sort.col ?? data.table.primary_key[0] ?? data.table.columns[0].name) === c.name;
                        return (
                          <th key={c.name} class={th} scope="col" aria-sort={on ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
                            <button type="button" class="uppercase" title={c.type} onClick={() => { setSort({ col: c.name, order: on && sort.order === 'desc' ? 'asc' : 'desc' }); setOffset(0); }}>{c.name} {on ? (sort.order === 'asc' ? '▲' : '▼') : ''}</button>
                          </th>
                        );
                      })}
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                      {data.rows.map((r, i) => (
                        <tr key={i} class={cx(rowClass, 'cursor-pointer')} tabIndex={0} onClick={() => setRow(r)} onKeyDown={(e) => { if (e.key === 'Enter') setRow(r); }}>
                          {data.table.columns.map((c) => <td key={c.name} class="max-w-[16rem] truncate px-3 py-1.5 font-mono">{cell(r[c.name])}</td>)}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {data && (
                <div class="mt-3 flex items-center justify-between text-xs text-slate-500">
                  <span>{data.total === 0 ? '0 rows' : `${count(offset + 1)}–${count(offset + data.rows.length)} of ${count(data.total)}`}</span>
                  <span class="flex gap-2">
                    <Button small disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - limit))}>Previous</Button>
                    <Button small disabled={offset + limit >= data.total} onClick={() => setOffset(offset + limit)}>Next</Button>
                  </span>
                </div>
              )}
              {row && (
                <div class="mt-4 rounded-lg border border-slate-200 p-3 dark:border-slate-800" data-testid="row-view">
                  <div class="mb-2 flex items-center justify-between"><span class="text-sm font-semibold">Row</span><Button small variant="ghost" onClick={() => setRow(null)}>Close</Button></div>
                  <dl class="grid grid-cols-1 gap-x-4 gap-y-1 text-xs sm:grid-cols-[max-content_1fr]">
                    {Object.entries(row).map(([k, v]) => <><dt class="font-semibold text-slate-500">{k}</dt><dd class="break-all font-mono">{typeof v === 'object' && v !== null ? <pre class="whitespace-pre-wrap">{JSON.stringify(v, null, 2)}</pre> : cell(v)}</dd></>)}
                  </dl>
                </div>
              )}
            </div>
          )}
        </Card>
      </div>
    </div>
  );
}

export function AdminPage() {
  const { params } = useRoute();
  const { user, checked } = useAuth();
  const tab = (TABS.find((t) => t.id === params.tab) ?? TABS[0]).id;
  if (!checked) return <Spinner />;
  if (!user) return <div><PageTitle title="Admin console" /><Empty>The admin console is for admins. <a class="font-medium underline" href="/login?next=/admin">Sign in</a> with an admin account.</Empty></div>;
  if (user.role !== 'admin') return <div><PageTitle title="Admin console" /><Empty>Signed in as {user.email}, who is not an admin. An admin can promote the account with <code>wick users</code>.</Empty></div>;
  return (
    <div>
      <PageTitle title="Admin console" sub="Jobs, dead letters, budgets, users, keys and every table" />
      <nav aria-label="Admin sections" class="mb-4 flex flex-wrap gap-1 border-b border-slate-200 dark:border-slate-800">
        {TABS.map((t) => (
          <a key={t.id} href={`/admin/${t.id}`} aria-current={t.id === tab ? 'page' : undefined} class={cx('-mb-px border-b-2 px-3 py-2 text-sm font-medium', t.id === tab ? 'border-emerald-500 text-emerald-700 dark:text-emerald-400' : 'border-transparent text-slate-500 hover:text-slate-800 dark:hover:text-slate-200')}>{t.label}</a>
        ))}
      </nav>
      {tab === 'jobs' && <Jobs />}
      {tab === 'dlq' && <DeadLetters />}
      {tab === 'budgets' && <Budgets />}
      {tab === 'users' && <Users />}
      {tab === 'keys' && <Keys />}
      {tab === 'data' && <DataBrowser />}
    </div>
  );
}
