// The dashboard in a real browser (Debian's Chromium driven by playwright-core) against a
// whole Wick running the replay demo (examples/demo.yaml) plus an upstream that always fails,
// so the dead-letter queue has something to retry. The web app is built by the test itself
// (vite build into a temp dir), so a fresh clone passes. Screenshots of every page go to
// test-artifacts/web/ (git-ignored).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildApi } from '../src/api/app.js';
import { createUser } from '../src/auth/users.js';
import { writeOrderBooks } from '../src/ingest/writers.js';
import { parseConfig } from '../src/config/load.js';
import { startWick, type RunningWick } from '../src/runtime.js';
import { apiTypes, SCHEMA_FILE } from '../scripts/web-api-types.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { FIXTURES, PROJECT_ROOT } from './helpers/fixtures.js';
import { loopbackServer, sendJson, type LoopbackServer } from './helpers/http.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts', 'web');
const M = 'binance:XRP-ETH';
const ADMIN = { email: 'admin@example.com', password: 'admin password 1' };

let db: TestDatabase;
let wick: RunningWick;
let upstream: LoopbackServer;
let webDir: string;
let profile: string;
let browser: BrowserContext;
let page: Page;
let base: string;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function signIn(p: Page): Promise<void> {
  await p.goto(`${base}/login?next=/admin`);
  await p.getByLabel('E-mail', { exact: true }).fill(ADMIN.email);
  await p.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByTestId('signed-in-as').waitFor();
}

/** The admin's session cookie, for checking through the API what the browser did. */
async function apiAsAdmin(path: string, init: RequestInit = {}): Promise<any> {
  const cookie = (await browser.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
  const r = await fetch(base + path, { ...init, headers: { cookie, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  return r.json();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (the browser tests drive Debian's Chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  // Build the dashboard as `npm run build` does, into a directory of this run.
  webDir = await mkdtemp(join(tmpdir(), 'wick-web-'));
  await promisify(execFile)(join(PROJECT_ROOT, 'node_modules', '.bin', 'vite'), ['build', '--config', 'web/vite.config.ts', '--outDir', webDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: PROJECT_ROOT });
  process.env.WICK_WEB_DIR = webDir;

  db = await createTestDatabase();
  // One provider is down (its job ends in the dead-letter queue); another serves pair volumes (metric series).
  upstream = await loopbackServer((url, _req, res) => (url.pathname === '/volumes'
    ? sendJson(res, { pairs: [{ pair: 'ETH-USDC', volume: 1200.5 }, { pair: 'XRP-ETH', volume: 300.25 }] })
    : sendJson(res, { error: 'upstream down' }, 500)));
  await createUser(db.pool, { ...ADMIN, role: 'admin', verified: true });
  // The replay demo as shipped, plus one http source whose provider is down.
  const demo = parseYaml(readFileSync(join(PROJECT_ROOT, 'examples', 'demo.yaml'), 'utf8')) as { sources: Array<Record<string, unknown>> };
  const sources = demo.sources.map((s) => ({ ...s, file: join(FIXTURES, 'market', 'XRP_ETH-trades.json.gz') }));
  const config = parseConfig({
    ...demo,
    database: { url: db.url },
    server: { port: 0 },
    log: { level: 'silent' },
    sources: [...sources,
      { id: 'volumes', type: 'http', url: `${upstream.url}/volumes`, every: '1h', metrics: [{ name: 'pair_volume', each: 'pairs', value: 'volume', labels: { pair: '$pair' } }] },
      { id: 'floors', type: 'http', provider: 'floorapi', url: `${upstream.url}/floor/{contract}`, items: ['0xaaa'], itemKey: 'contract', metrics: [{ name: 'floor', value: 'floor', labels: { contract: '{contract}' } }] }],
    providers: { floorapi: { quota: { perDay: 1000, perMonth: 20_000 } } },
    jobs: [{ name: 'floor-hourly', source: 'floors', schedule: 'every 1h', retry: { limit: 0 } }],
    scheduler: { pollInterval: '500ms' },
  });
  wick = await startWick({ config, file: null, baseDir: '/' }, 'all', pino({ level: process.env.DEBUG_WICK ? 'debug' : 'silent' }));
  base = wick.url!;

  profile = await mkdtemp(join(tmpdir(), 'wick-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  page = browser.pages()[0] ?? await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await wick?.stop();
  await upstream?.close();
  await db?.drop();
  for (const d of [webDir, profile]) if (d) await rm(d, { recursive: true, force: true });
});

describe('serving the dashboard', () => {
  it('serves the app at / with caching headers, falls back to it for client routes, never for API paths', async () => {
    const html = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('no-cache');
    const body = await html.text();
    expect(body).toContain('<div id="app">');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(body)![1];
    const js = await fetch(base + asset);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(readdirSync(join(webDir, 'assets')).length).toBeGreaterThan(2);

    // Client-side routes get index.html; API prefixes and missing files keep their JSON 404.
    const deep = await fetch(`${base}/markets/${M}`, { headers: { accept: 'text/html' } });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(body);
    for (const p of ['/v1/nope', '/coingecko/api/v3/nope', '/integrations/nope', '/docs/nope.json', '/healthz/x', '/assets/missing.js']) {
      const r = await fetch(base + p, { headers: { accept: 'text/html' } });
      expect(r.status, p).toBe(404);
      expect((await r.json()).message).toMatch(/no route|not found/i);
    }
    // The API's self-description moved to /v1; JSON clients asking for / still get it.
    expect(await (await fetch(`${base}/v1`)).json()).toMatchObject({ name: 'wick', api: '/v1', dashboard: '/' });
    expect(await (await fetch(`${base}/`, { headers: { accept: 'application/json' } })).json()).toMatchObject({ name: 'wick', docs: '/docs' });
  });

  it('serves the app without a key when every API read needs one', async () => {
    const app = await buildApi({ pool: db.pool, config: parseConfig({ auth: { requireKeyForReads: true } }), log: pino({ level: 'silent' }) });
    try {
      const html = await app.inject({ url: '/', headers: { accept: 'text/html' } });
      expect(html.statusCode).toBe(200);
      const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html.body)![1];
      expect((await app.inject({ url: asset })).statusCode).toBe(200);
      expect((await app.inject({ url: '/admin/jobs', headers: { accept: 'text/html' } })).statusCode).toBe(200);
      expect((await app.inject({ url: '/v1/markets' })).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('keeps the committed API types in step with the OpenAPI document', async () => {
    const doc = await (await fetch(`${base}/openapi.json`)).json();
    expect(await apiTypes(doc), 'web/src/api/schema.d.ts is stale: run npm run web:api-types').toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });
});

describe('the dashboard in Chromium', () => {
  it('shows the markets and a live price change arriving over SSE', async () => {
    await page.goto(`${base}/`);
    const last = page.getByTestId(`last-${M}`);
    await last.waitFor();
    await page.locator('[data-testid="live-status"][data-status="live"]').waitFor();
    const first = (await last.textContent())!;
    expect(first).toMatch(/^0\.00\d+$/);
    // The demo replays recorded trades 60× faster than they happened: the price moves within seconds.
    await page.waitForFunction(([sel, before]) => document.querySelector(sel)?.textContent !== before, [`[data-testid="last-${M}"]`, first] as const, { timeout: 45_000 });
    const after = (await last.textContent())!;
    expect(after).not.toBe(first);
    expect(after).toMatch(/^0\.00\d+$/);
    expect(await page.getByTestId('markets-table').locator('tbody tr').count()).toBe(1);
    // Sorting works from the keyboard: focus a column header's button and press Enter.
    const lastHeader = page.getByTestId('markets-table').locator('th', { hasText: 'Last' });
    expect(await lastHeader.getAttribute('aria-sort')).toBe('none');
    await lastHeader.getByRole('button').focus();
    await page.keyboard.press('Enter');
    expect(await lastHeader.getAttribute('aria-sort')).toBe('descending');
    await page.keyboard.press('Enter');
    expect(await lastHeader.getAttribute('aria-sort')).toBe('ascending');
    // Search filters the table; an unmatched search says so.
    await page.getByTestId('market-search').fill('nothing-like-this');
    await page.getByText('No market matches these filters.').waitFor();
    await page.getByTestId('market-search').fill('');
    await page.getByTestId('markets-table').waitFor();
    await shot('markets');
    // The assets behind the markets.
    await page.getByTestId('markets-view').getByRole('button', { name: 'Assets' }).click();
    const assets = page.getByTestId('assets-table');
    await assets.locator('[data-asset="XRP"]').waitFor();
    expect(await assets.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-asset')).sort())).toEqual(['ETH', 'XRP']);
    await shot('assets');
    await page.getByTestId('markets-view').getByRole('button', { name: 'Markets' }).click();
    await page.getByTestId('markets-table').waitFor();
  });

  it('charts a market and switches the resolution', async () => {
    // An order-book snapshot as a source with order books stores it (the replay has none).
    const pk = (await db.pool.query<{ pk: number }>(`SELECT pk FROM markets WHERE id = $1`, [M])).rows[0].pk;
    await writeOrderBooks(db.pool, [{ marketPk: pk, book: { ts: Date.now(), bids: [['0.001510', '1200'], ['0.001509', '800']], asks: [['0.001514', '500'], ['0.001516', '2500']] } }]);
    await page.goto(`${base}/markets/${M}`);
    const book = page.getByTestId('orderbook');
    await book.getByText(/spread 0\.26[45] %/).waitFor();
    expect(await book.textContent()).toContain('0.001510'); // fixed decimals line the column up
    await page.locator('[data-testid="chart-info"][data-resolution="1m"]:not([data-bars="0"])').waitFor();
    // lightweight-charts draws on its next animation frame: wait for its canvas, as for the rest.
    await page.getByTestId('candle-chart').locator('canvas').first().waitFor();
    expect(await page.getByTestId('candle-chart').locator('canvas').count()).toBeGreaterThan(0);
    const bars1m = Number(await page.getByTestId('chart-info').getAttribute('data-bars'));
    const api1m = await (await fetch(`${base}/v1/markets/${M}/candles?resolution=1m&limit=300`)).json();
    expect(bars1m).toBe(api1m.candles.length);
    await page.getByTestId('recent-trades').locator('tbody tr').first().waitFor();

    const candles5m = page.waitForResponse((r) => r.url().includes('/candles') && r.url().includes('resolution=5m'));
    await page.getByTestId('resolution').getByRole('button', { name: '5m', exact: true }).click();
    expect((await candles5m).status()).toBe(200);
    await page.locator('[data-testid="chart-info"][data-resolution="5m"]:not([data-bars="0"])').waitFor();
    const bars5m = Number(await page.getByTestId('chart-info').getAttribute('data-bars'));
    expect(bars5m).toBeLessThan(bars1m);
    expect(await page.getByTestId('resolution').getByRole('button', { name: '5m', exact: true }).getAttribute('aria-pressed')).toBe('true');
    // The forming candle moves live.
    await page.getByTestId('chart-info').filter({ hasText: 'forming candle' }).waitFor({ timeout: 45_000 });
    await shot('market');
    // The base asset's page lists the markets it trades in.
    await page.getByRole('link', { name: 'XRP', exact: true }).click();
    await page.getByTestId('asset-markets').getByRole('link', { name: 'XRP/ETH' }).waitFor();
    await page.getByTestId('asset-stats').getByText(/no statistics for XRP|not been computed/).waitFor();
    await shot('asset');
  });

  it('loads older candles when the chart reaches the oldest loaded one', async () => {
    // Pages of 10 candles: the first page does not fill the chart, so it asks for older ones until the history ends.
    const requests: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/candles')) requests.push(r.url()); });
    await page.goto(`${base}/markets/${M}?candles=10`);
    await page.getByTestId('resolution').getByRole('button', { name: '1m', exact: true }).click();
    const all = (await (await fetch(`${base}/v1/markets/${M}/candles?resolution=1m&limit=1000`)).json()).candles.length;
    expect(all).toBeGreaterThan(20);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="chart-info"]')?.getAttribute('data-bars')) >= n, all - 1, { timeout: 30_000 });
    const older = requests.filter((u) => u.includes('resolution=1m') && new URL(u).searchParams.has('to'));
    expect(older.length).toBeGreaterThanOrEqual(2);
    await page.getByTestId('chart-info').filter({ hasText: 'all history' }).waitFor();
    page.removeAllListeners('request');
  });

  it('charts a metric series with its rank and ranks metric series', async () => {
    await page.goto(`${base}/explorer`);
    const series = page.getByTestId('metric-series');
    await series.getByRole('button', { name: /pair=XRP-ETH/ }).click();
    await page.getByTestId('metric-rank').filter({ hasText: '#2' }).waitFor();
    await page.getByText('Rank among 2 series').waitFor();
    await shot('metrics');
    await page.goto(`${base}/rankings`);
    await page.getByRole('group', { name: 'Kind' }).getByRole('button', { name: 'Metrics' }).click();
    const rows = page.getByTestId('rankings-table').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.first().textContent()).toContain('ETH-USDC');
    expect(await rows.count()).toBe(2);
    await shot('rankings-metrics');
  });

  it('shows rankings, metrics and the sign-in gate of alerts and admin', async () => {
    for (const [path, name, text] of [
      ['/rankings', 'rankings', 'Rankings & trending'],
      ['/explorer', 'metrics-list', 'Metrics explorer'],
      ['/alerts', 'alerts-signed-out', 'Alert rules belong to an account'],
      ['/admin', 'admin-signed-out', 'The admin console is for admins'],
    ] as const) {
      await page.goto(base + path);
      await page.getByText(text).first().waitFor();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await shot(name);
    }
  });

  it('creates an alert rule after previewing it, and pauses it', async () => {
    await signIn(page);
    await page.goto(`${base}/alerts`);
    await page.getByTestId('new-rule').click();
    const form = page.getByTestId('rule-form');
    await form.locator('input[name=name]').fill('XRP/ETH above 0.001');
    await form.locator('select[name=market]').selectOption(M);
    await form.locator('input[name=value]').fill('0.001');
    await form.getByRole('button', { name: 'Preview last 24 h' }).click();
    // Every 1-minute close of the demo is above 0.001: it fires once (edge-triggered) and stays active.
    await page.getByTestId('rule-preview').getByText('Would have fired 1 time in the last 24 h.').waitFor();
    await shot('alerts-preview');
    await form.getByRole('button', { name: 'Create rule' }).click();
    const row = page.locator('[data-rule="XRP/ETH above 0.001"]');
    await row.waitFor();
    await row.getByText('active', { exact: true }).waitFor();
    const { rules } = await apiAsAdmin('/v1/alerts/rules');
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ name: 'XRP/ETH above 0.001', enabled: true, series: { kind: 'market', market: M, field: 'price', resolution: 60 }, condition: { kind: 'threshold', op: 'above', value: 0.001 }, cooldownMs: 900_000 });
    // The alert jobs evaluate it against the replayed prices: the firing shows in the history.
    await page.getByTestId('alert-history').getByText(/XRP\/ETH above 0\.001: price of binance:XRP-ETH \(1m\) is 0\.001\d+, above 0\.001/).first().waitFor({ timeout: 45_000 });
    await shot('alerts');
    await row.getByRole('button', { name: 'Pause XRP/ETH above 0.001' }).click();
    await row.getByText('paused', { exact: true }).waitFor();
    const paused = (await apiAsAdmin('/v1/alerts/rules')).rules;
    expect(paused.map((r: { name: string; enabled: boolean }) => [r.name, r.enabled])).toEqual([['XRP/ETH above 0.001', false]]);
    // Edit: a threshold above every price never fires.
    await row.getByRole('button', { name: 'Edit XRP/ETH above 0.001' }).click();
    await form.locator('input[name=name]').fill('XRP/ETH above 1');
    await form.locator('input[name=value]').fill('1');
    await form.getByRole('button', { name: 'Preview last 24 h' }).click();
    await page.getByTestId('rule-preview').getByText('Would not have fired in the last 24 h.').waitFor();
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('[data-rule="XRP/ETH above 1"]').waitFor();
    expect((await apiAsAdmin('/v1/alerts/rules')).rules[0]).toMatchObject({ name: 'XRP/ETH above 1', enabled: false, condition: { value: 1 } });
    // Bad input is refused with the field named, and nothing changes.
    await page.getByTestId('new-rule').click();
    await form.locator('input[name=name]').fill('no threshold');
    await form.locator('input[name=value]').fill('abc');
    await form.getByRole('button', { name: 'Create rule' }).click();
    await form.getByRole('alert').filter({ hasText: 'condition.value' }).waitFor();
    await form.getByRole('button', { name: 'Cancel' }).click();
    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-rule="XRP/ETH above 1"]').getByRole('button', { name: 'Delete XRP/ETH above 1' }).click();
    await page.getByText('No alert rules yet').waitFor();
    expect((await apiAsAdmin('/v1/alerts/rules')).rules).toEqual([]);
    // The preview replays the evaluator: with no cooldown, a threshold rule fires on each upward crossing of the points it returns.
    const rule = (value: number) => ({ name: 'p', series: { kind: 'market', market: M, field: 'price', resolution: '1m' }, condition: { kind: 'threshold', op: 'above', value } });
    const { points } = await apiAsAdmin('/v1/alerts/preview', { method: 'POST', body: JSON.stringify(rule(1)) });
    expect(points.length).toBeGreaterThan(20);
    const upCrossings = (pts: number[][], line: number) => pts.filter((p, i, all) => p[1] > line && (i === 0 || all[i - 1][1] <= line)).map((p) => p[0]);
    // The line the prices cross most often (the replay climbs, then hovers).
    const line = [...new Set((points as number[][]).map((p) => p[1]))].reduce((best, v) => (upCrossings(points, v).length > upCrossings(points, best).length ? v : best));
    const preview = await apiAsAdmin('/v1/alerts/preview', { method: 'POST', body: JSON.stringify(rule(line)) });
    const crossings = upCrossings(preview.points, line);
    expect(crossings.length).toBeGreaterThan(1);
    expect(preview.firings.map((f: { at: number }) => f.at)).toEqual(crossings);
    const bad = await apiAsAdmin('/v1/alerts/preview', { method: 'POST', body: JSON.stringify({ ...rule(1), condition: { kind: 'threshold', op: 'sideways', value: 1 } }) });
    expect(bad).toMatchObject({ statusCode: 400, field: 'condition.op' });
  });

  it('lets an admin inspect and retry a dead-letter job', async () => {
    // The failing upstream's run has no retries left: it is in the dead-letter queue.
    let dlq: { deadLetters: Array<{ id: string; job: string; error: string }> } = { deadLetters: [] };
    for (let i = 0; i < 120 && dlq.deadLetters.length === 0; i++) {
      dlq = await apiAsAdmin('/v1/admin/jobs/dlq');
      if (!dlq.deadLetters.length) await new Promise((r) => setTimeout(r, 250));
    }
    expect(dlq.deadLetters.length).toBeGreaterThanOrEqual(1);
    expect(new Set(dlq.deadLetters.map((d) => d.job))).toEqual(new Set(['floor-hourly']));
    const letter = dlq.deadLetters[0];
    await page.goto(`${base}/admin/jobs`);
    await page.locator('[data-job="floor-hourly"]').waitFor();
    await page.getByRole('button', { name: 'Run analytics:prices now' }).click();
    await page.getByTestId('action-note').getByText(/analytics:prices (queued \(run [0-9a-f-]+\)|already has a run waiting)\./).waitFor();
    await shot('admin-jobs');
    await page.goto(`${base}/admin/dlq`);
    const item = page.locator(`[data-dead-letter="${letter.id}"]`);
    await item.getByText('HTTP 500').waitFor();
    await shot('admin-dlq');
    const calls = upstream.requests.filter((u) => u.pathname.startsWith('/floor')).length;
    await item.getByRole('button', { name: `Retry dead letter ${letter.id}` }).click();
    await page.getByTestId('action-note').getByText('Retried floor-hourly').waitFor();
    // The retried run really ran: the upstream was called again (and, still down, it fails again).
    const floorCalls = () => upstream.requests.filter((u) => u.pathname.startsWith('/floor')).length;
    for (let i = 0; i < 120 && floorCalls() === calls; i++) await new Promise((r) => setTimeout(r, 250));
    expect(floorCalls()).toBeGreaterThan(calls);
    // Still failing, the retried run comes back as a new dead letter; flushing empties the queue.
    const fresh = (d: { deadLetters: Array<{ id: string }> }) => d.deadLetters.filter((x) => x.id !== letter.id && !dlq.deadLetters.some((y) => y.id === x.id));
    let after = await apiAsAdmin('/v1/admin/jobs/dlq');
    for (let i = 0; i < 120 && fresh(after).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await apiAsAdmin('/v1/admin/jobs/dlq');
    }
    expect(after.deadLetters.map((d: { id: string }) => d.id)).not.toContain(letter.id);
    expect(new Set(after.deadLetters.map((d: { job: string }) => d.job))).toEqual(new Set(['floor-hourly']));
    await page.reload();
    await page.locator(`[data-dead-letter="${fresh(after)[0].id}"]`).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Flush' }).click();
    await page.getByTestId('action-note').getByText(/^\d+ dead letters? flushed\.$/).waitFor();
    await page.getByText('The dead-letter queue is empty').waitFor();
    expect((await apiAsAdmin('/v1/admin/jobs/dlq')).deadLetters).toEqual([]);
  });

  it('shows budgets, users, keys and browses tables with secrets masked', async () => {
    await page.goto(`${base}/admin/budgets`);
    await page.getByTestId('budgets').getByText('floorapi').waitFor();
    const { providers } = await apiAsAdmin('/v1/admin/budgets');
    const floorapi = providers.find((p: { provider: string }) => p.provider === 'floorapi');
    expect(floorapi).toMatchObject({ quota_day: 1000, quota_month: 20_000, hard: true });
    expect(floorapi.used_today).toBeGreaterThanOrEqual(2); // the first run and the retried one
    expect(floorapi.used_this_month).toBe(floorapi.used_today);
    expect(floorapi.projected_month).toBeGreaterThanOrEqual(floorapi.used_this_month);
    await page.getByTestId('budgets').getByText(`${floorapi.used_today} / 1,000`).waitFor();
    await shot('admin-budgets');
    await page.goto(`${base}/admin/users`);
    await page.getByTestId('users-table').getByText(ADMIN.email).waitFor();
    await shot('admin-users');
    await page.goto(`${base}/admin/keys`);
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-key').textContent())!;
    expect((await fetch(`${base}/v1/admin/jobs`, { headers: { 'x-api-key': key } })).status).toBe(403); // a read key
    await shot('admin-keys');
    await page.goto(`${base}/admin/data`);
    await page.getByTestId('tables-list').getByRole('button', { name: /^users/ }).click();
    const table = page.getByTestId('data-table');
    await table.getByText(ADMIN.email).waitFor();
    expect(await table.textContent()).toContain('••••');
    expect(await table.textContent()).not.toContain('scrypt');
    await table.locator('tbody tr').first().click();
    await page.getByTestId('row-view').getByText('password_hash').waitFor();
    await page.getByTestId('tables-list').getByRole('button', { name: /^trades/ }).click();
    await table.getByRole('button', { name: 'price', exact: true }).waitFor();
    await page.getByTestId('data-filter').fill('buy');
    await table.locator('tbody tr').filter({ hasText: 'buy' }).first().waitFor();
    expect(await table.textContent()).not.toContain(ADMIN.email);
    await shot('admin-data');
    const api = await apiAsAdmin('/v1/admin/tables/trades?q=buy&limit=5');
    expect(api.total).toBeGreaterThan(0);
    expect(api.rows.every((r: { side: string }) => r.side === 'buy' || JSON.stringify(r).includes('buy'))).toBe(true);
    expect((await apiAsAdmin('/v1/admin/tables/nope')).statusCode).toBe(404);
    expect((await apiAsAdmin('/v1/admin/tables/trades?sort=nope')).field).toBe('sort');
  });

  it('works at phone width and in the light theme', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/`);
    await page.getByTestId(`last-${M}`).waitFor();
    await page.getByTestId('theme-toggle').click();
    const dark = await page.evaluate(() => document.documentElement.classList.contains('dark'));
    await shot(`markets-phone-${dark ? 'dark' : 'light'}`);
    // No horizontal scrolling of the page itself at phone width.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.locator('#mobile-nav').getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    await page.goto(`${base}/markets/${M}`);
    await page.locator('[data-testid="chart-info"]:not([data-bars="0"])').waitFor();
    await shot('market-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('says so when the API is unreachable', async () => {
    await page.route('**/v1/**', (r) => r.abort('connectionrefused'));
    await page.route('**/healthz', (r) => r.abort('connectionrefused'));
    await page.goto(`${base}/`);
    await page.getByTestId('api-down').waitFor();
    await page.getByRole('alert').filter({ hasText: 'Cannot reach the Wick API' }).first().waitFor();
    await shot('api-down');
    await page.unrouteAll();
    expect(pageErrors).toEqual([]);
  });
});
