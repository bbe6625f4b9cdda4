// The frame of every page: navigation, theme switch, sign-in state and the banner shown
// while the API cannot be reached.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { connection } from '../api/client';
import { useAuth } from '../lib/auth';
import { setTheme, useTheme } from '../lib/theme';
import { Button, cx } from './ui';

const NAV = [
  { href: '/', label: 'Markets' },
  { href: '/rankings', label: 'Rankings' },
  { href: '/explorer', label: 'Metrics' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/admin', label: 'Admin' },
];

function ConnectionBanner() {
  const [down, setDown] = useState(connection.down);
  useEffect(() => connection.subscribe(setDown) as () => void, []);
  useEffect(() => {
    if (!down) return;
    // Probe until the API answers again; the pages reload their data on their own schedule.
    const t = setInterval(() => { fetch('/healthz').then((r) => connection.set(!r.ok && (r.status === 502 || r.status === 504)), () => connection.set(true)); }, 3000);
    return () => clearInterval(t);
  }, [down]);
  if (!down) return null;
  return (
    <div role="alert" data-testid="api-down" class="bg-rose-600 px-4 py-2 text-center text-sm font-medium text-white">
      The Wick API cannot be reached. Showing the last data received; retrying every few seconds…
    </div>
  );
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { path } = useLocation();
  const { user, logout } = useAuth();
  const theme = useTheme();
  const [open, setOpen] = useState(false);
  const active = (href: string) => (href === '/' ? path === '/' || path.startsWith('/markets') : path.startsWith(href));
  return (
    <div class="min-h-screen">
      <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-emerald-600 focus:px-3 focus:py-1 focus:text-white">Skip to content</a>
      <ConnectionBanner />
      <header class="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-950/90">
        <div class="mx-auto flex max-w-7xl items-center gap-3 px-3 py-2 sm:px-6">
          <a href="/" class="flex items-center gap-2 font-bold tracking-tight" aria-label="Wick home">
            <svg width="22" height="22" viewBox="0 0 16 16" aria-hidden="true"><rect x="7" y="1" width="2" height="14" rx="1" fill="#10b981" /><rect x="4" y="4" width="8" height="8" rx="1.5" fill="#10b981" /></svg>
            Wick
          </a>
          <nav aria-label="Main" class="hidden flex-1 items-center gap-1 md:flex">
            {NAV.map((n) => (
              <a key={n.href} href={n.href} aria-current={active(n.href) ? 'page' : undefined} class={cx('rounded-md px-3 py-1.5 text-sm font-medium', active(n.href) ? 'bg-slate-100 text-slate-900 dark:bg-slate-800 dark:text-white' : 'text-slate-600 hover:bg-slate-100 dark:text-slate-400 dark:hover:bg-slate-900')}>{n.label}</a>
            ))}
          </nav>
          <div class="ml-auto flex items-center gap-2">
            <Button variant="ghost" small onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} data-testid="theme-toggle">
              {theme === 'dark' ? '☀︎' : '☾'}
            </Button>
            {user ? (
              <>
                <span class="hidden max-w-40 truncate text-xs text-slate-500 sm:inline" data-testid="signed-in-as">{user.email}</span>
                <Button small onClick={() => logout()}>Sign out</Button>
              </>
            ) : (
              <a href={`/login?next=${encodeURIComponent(path)}`} class="rounded-lg border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">Sign in</a>
            )}
            <Button variant="ghost" small class="md:hidden" aria-expanded={open} aria-controls="mobile-nav" aria-label="Menu" onClick={() => setOpen(!open)}>☰</Button>
          </div>
        </div>
        {open && (
          <nav id="mobile-nav" aria-label="Main" class="border-t border-slate-200 px-3 py-2 md:hidden dark:border-slate-800">
            {NAV.map((n) => (
              <a key={n.href} href={n.href} onClick={() => setOpen(false)} aria-current={active(n.href) ? 'page' : undefined} class={cx('block rounded-md px-3 py-2 text-sm font-medium', active(n.href) ? 'bg-slate-100 dark:bg-slate-800' : '')}>{n.label}</a>
            ))}
          </nav>
        )}
      </header>
      <main id="main" class="mx-auto max-w-7xl px-3 py-5 sm:px-6">{children}</main>
      <footer class="mx-auto max-w-7xl px-3 pb-6 text-xs text-slate-500 sm:px-6">
        Wick · <a class="underline" href="/docs">API docs</a> · <a class="underline" href="/openapi.json">OpenAPI</a>
      </footer>
    </div>
  );
}
