// A whole Wick (API + ingest + alert jobs in one process): ingest publishes to the bus,
// the alert jobs evaluate off the ingest path and deliver, and stream clients see trades,
// alert firings and (admins) job runs.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/auth/users.js';
import { parseConfig } from '../src/config/load.js';
import { startWick, type RunningWick } from '../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { xrpEthTrades } from './helpers/fixtures.js';
import { loopbackServer, type LoopbackServer } from './helpers/http.js';
import { sseClient } from './helpers/streams.js';

let db: TestDatabase;
let wick: RunningWick;
let hooks: LoopbackServer;
const bodies: unknown[] = [];
let file: string;

beforeAll(async () => {
  db = await createTestDatabase();
  hooks = await loopbackServer(async (_url, req, res) => {
    let body = '';
    for await (const c of req) body += c;
    bodies.push(JSON.parse(body));
    res.end('ok');
  });
  const dir = await mkdtemp(join(tmpdir(), 'wick-rt2-'));
  file = join(dir, 'trades.json');
  // Recorded trades replayed live, 600× real time: they keep arriving for a few seconds.
  await writeFile(file, JSON.stringify(xrpEthTrades().slice(0, 300)));
  await createUser(db.pool, { email: 'admin@example.com', password: 'admin password 1', role: 'admin', verified: true });
});
afterAll(async () => {
  await wick?.stop();
  await hooks?.close();
  await db?.drop();
});

describe('wick start', () => {
  it('streams ingest as it happens and fires config rules through the alert jobs', async () => {
    const config = parseConfig({
      database: { url: db.url },
      server: { port: 0 },
      log: { level: 'silent' },
      sources: [{ id: 'live', type: 'replay', market: 'XRP/ETH', file, mode: 'live', speed: 600, batchSize: 20 }],
      alerts: {
        evaluateEvery: '100ms',
        staleEvery: '100ms',
        delivery: { every: '100ms' },
        rules: [
          { name: 'floor price feed stale', series: { kind: 'metric', name: 'nft_floor_price' }, condition: { kind: 'stale', after: '1m' }, channels: [{ type: 'webhook', url: `${hooks.url}/hook`, secret: 'runtime-secret' }] },
        ],
      },
    });
    wick = await startWick({ config, file: null, baseDir: '/' }, 'all', pino({ level: process.env.DEBUG_WICK ? 'debug' : 'silent' }));
    const login = await fetch(`${wick.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@example.com', password: 'admin password 1' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const sse = sseClient(`${wick.url}/v1/stream?channels=alerts,jobs,trades:replay:XRP-ETH,prices:XRP`, { cookie });
    await sse.waitFor((e) => e.some((x) => x.event === 'trades') && e.some((x) => x.event === 'price'));
    // The config rule fires on the first evaluation run (pg-boss picks it up within its poll
    // interval): it lands in the history, whether or not this client was connected yet.
    let history: { events: Array<{ rule: string; message: string }> } = { events: [] };
    for (let i = 0; i < 300 && history.events.length === 0; i++) {
      history = await (await fetch(`${wick.url}/v1/alerts/events`, { headers: { cookie } })).json();
      if (history.events.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(history.events.map((e: { rule: string; message: string }) => [e.rule, e.message])).toEqual([['floor price feed stale', 'floor price feed stale: nft_floor_price has had no new data ever (limit 1 min)']]);
    // Alerts are per user: a plain user sees shared rules' firings, not another user's rules.
    await createUser(db.pool, { email: 'u1@example.com', password: 'user one password', verified: true });
    await createUser(db.pool, { email: 'u2@example.com', password: 'user two password', verified: true });
    const signIn = async (email: string, password: string) => (await fetch(`${wick.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })).headers.get('set-cookie')!.split(';')[0];
    const u1 = await signIn('u1@example.com', 'user one password');
    const u2 = await signIn('u2@example.com', 'user two password');
    expect((await fetch(`${wick.url}/v1/stream?channels=alerts`)).status).toBe(401);
    const userStream = sseClient(`${wick.url}/v1/stream?channels=alerts`, { cookie: u1 });
    await userStream.waitFor((e) => e.some((x) => x.event === 'ready'));
    const priv = await fetch(`${wick.url}/v1/alerts/rules`, {
      method: 'POST', headers: { cookie: u2, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'private stale', series: { kind: 'metric', name: 'private_metric' }, condition: { kind: 'stale', after: '5m' } }),
    });
    expect(priv.status).toBe(201);
    await sse.waitFor((e) => e.some((x) => x.event === 'alert' && x.data.data.ruleName === 'private stale'));
    // A rule created now (by the admin: shared) fires on the next evaluation and reaches both streams.
    const created = await fetch(`${wick.url}/v1/alerts/rules`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'tickers stale', series: { kind: 'ticker', market: 'replay:XRP-ETH' }, condition: { kind: 'stale', after: '5m' } }),
    });
    expect(created.status).toBe(201);
    await sse.waitFor((e) => e.some((x) => x.event === 'alert' && x.data.data.ruleName === 'tickers stale'));
    await userStream.waitFor((e) => e.some((x) => x.event === 'alert'));
    expect(userStream.events.filter((x) => x.event === 'alert').map((x) => x.data.data.ruleName)).toEqual(['tickers stale']);
    userStream.close();
    expect(sse.events.find((x) => x.event === 'alert' && x.data.data.ruleName === 'tickers stale')!.data).toMatchObject({ channel: 'alerts', data: { ruleName: 'tickers stale', message: 'tickers stale: ticker last of replay:XRP-ETH has had no new data ever (limit 5 min)' } });
    // Admins see the alert job's runs on the jobs channel.
    await sse.waitFor((e) => e.some((x) => x.event === 'job' && x.data.data.job === 'alerts:evaluate' && x.data.data.rows > 0));
    // The webhook delivery job delivered the firing.
    for (let i = 0; i < 100 && bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(bodies[0]).toMatchObject({ type: 'alert', event: { rule: 'floor price feed stale', value: null } });
    const price = sse.events.find((x) => x.event === 'price')!;
    expect(price.data.data).toMatchObject({ asset: 'XRP', market: 'replay:XRP-ETH' });
    sse.close();
  });
});
