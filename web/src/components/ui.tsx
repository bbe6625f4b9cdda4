// Small building blocks shared by the pages.
import type { ComponentChildren, JSX } from 'preact';
import type { ApiError } from '../api/client';

export const cx = (...c: Array<string | false | null | undefined>) => c.filter(Boolean).join(' ');

export function Card({ title, actions, children, class: cls, testid }: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; class?: string; testid?: string }) {
  return (
    <section data-testid={testid} class={cx('rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900', cls)}>
      {(title || actions) && (
        <header class="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-2.5 dark:border-slate-800">
          <h2 class="text-sm font-semibold tracking-wide text-slate-700 dark:text-slate-200">{title}</h2>
          <div class="flex flex-wrap items-center gap-2">{actions}</div>
        </header>
      )}
      <div class="p-4">{children}</div>
    </section>
  );
}

type ButtonProps = JSX.HTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'ghost' | 'danger' | 'default'; small?: boolean; disabled?: boolean; type?: 'button' | 'submit' };
export function Button({ variant = 'default', small, class: cls, type = 'button', ...rest }: ButtonProps) {
  const v = {
    primary: 'bg-emerald-600 text-white hover:bg-emerald-500 border-emerald-600',
    danger: 'bg-white text-rose-700 border-rose-300 hover:bg-rose-50 dark:bg-slate-900 dark:text-rose-300 dark:border-rose-800 dark:hover:bg-rose-950',
    ghost: 'border-transparent hover:bg-slate-100 dark:hover:bg-slate-800',
    default: 'bg-white border-slate-300 hover:bg-slate-100 dark:bg-slate-900 dark:border-slate-700 dark:hover:bg-slate-800',
  }[variant];
  return <button type={type} class={cx('inline-flex items-center gap-1.5 rounded-lg border font-medium transition focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-500 disabled:cursor-not-allowed disabled:opacity-50', small ? 'px-2 py-1 text-xs' : 'px-3 py-1.5 text-sm', v, cls as string)} {...rest} />;
}

export const inputClass = 'rounded-lg border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 placeholder:text-slate-400 focus:border-emerald-500 focus:outline-none focus:ring-2 focus:ring-emerald-500/30 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100';

export function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="flex flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400">
      {label}
      {children}
      {hint && <span class="font-normal text-slate-500">{hint}</span>}
    </label>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div role="status" class="flex items-center gap-2 py-6 text-sm text-slate-500">
      <span class="h-4 w-4 animate-spin rounded-full border-2 border-slate-300 border-t-emerald-500" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="rounded-lg border border-dashed border-slate-300 px-4 py-8 text-center text-sm text-slate-500 dark:border-slate-700">{children}</div>;
}

export function ErrorNote({ error, retry }: { error: ApiError | Error | null; retry?: () => void }) {
  if (!error) return null;
  return (
    <div role="alert" class="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950/60 dark:text-rose-200">
      <span>{error.message}</span>
      {retry && <Button small onClick={retry}>Retry</Button>}
    </div>
  );
}

/** Loading / error / empty / content in one place, so no page is ever blank. */
export function Loadable<T>({ state, empty, children, label }: { state: { data: T | undefined; error: ApiError | null; loading: boolean; reload: () => void }; empty?: (d: T) => ComponentChildren | false; label?: string; children: (d: T) => ComponentChildren }) {
  if (state.data === undefined) {
    if (state.error) return <ErrorNote error={state.error} retry={state.reload} />;
    return <Spinner label={label} />;
  }
  const e = empty?.(state.data);
  return (
    <>
      {state.error && <ErrorNote error={state.error} retry={state.reload} />}
      {e ? <Empty>{e}</Empty> : children(state.data)}
    </>
  );
}

export function Badge({ children, tone = 'slate' }: { children: ComponentChildren; tone?: 'slate' | 'green' | 'red' | 'amber' | 'blue' }) {
  const t = {
    slate: 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
    green: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-300',
    red: 'bg-rose-100 text-rose-800 dark:bg-rose-900/50 dark:text-rose-300',
    amber: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-300',
    blue: 'bg-sky-100 text-sky-800 dark:bg-sky-900/50 dark:text-sky-300',
  }[tone];
  return <span class={cx('inline-flex items-center rounded-md px-1.5 py-0.5 text-xs font-medium', t)}>{children}</span>;
}

/** Buttons acting as a tab strip / segmented control (arrow keys not needed: each is a real button). */
export function Segmented<T extends string>({ options, value, onChange, label, testid }: { options: Array<{ value: T; label: string }>; value: T; onChange: (v: T) => void; label: string; testid?: string }) {
  return (
    <div role="group" aria-label={label} data-testid={testid} class="inline-flex flex-wrap rounded-lg border border-slate-300 bg-white p-0.5 dark:border-slate-700 dark:bg-slate-900">
      {options.map((o) => (
        <button
          type="button"
          aria-pressed={o.value === value}
          onClick={() => onChange(o.value)}
          class={cx('rounded-md px-2.5 py-1 text-xs font-semibold focus-visible:outline-2 focus-visible:outline-emerald-500', o.value === value ? 'bg-emerald-600 text-white' : 'text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800')}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

export const th = 'px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400';
export const td = 'px-3 py-2 align-middle';
export const tableWrap = 'overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800';
export const tableClass = 'min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800';
export const rowClass = 'hover:bg-slate-50 dark:hover:bg-slate-800/50';

export function PageTitle({ title, sub, children }: { title: ComponentChildren; sub?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <div class="mb-4 flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1 class="text-xl font-bold tracking-tight sm:text-2xl">{title}</h1>
        {sub && <p class="mt-0.5 text-sm text-slate-500 dark:text-slate-400">{sub}</p>}
      </div>
      <div class="flex flex-wrap items-center gap-2">{children}</div>
    </div>
  );
}

export function LiveDot({ status }: { status: 'connecting' | 'live' | 'down' }) {
  const c = status === 'live' ? 'bg-emerald-500' : status === 'connecting' ? 'bg-amber-400' : 'bg-rose-500';
  const t = status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Stream down';
  return (
    <span data-testid="live-status" data-status={status} class="inline-flex items-center gap-1.5 text-xs font-medium text-slate-500 dark:text-slate-400">
      <span class={cx('h-2 w-2 rounded-full', c, status === 'live' && 'animate-pulse')} aria-hidden="true" />
      {t}
    </span>
  );
}
