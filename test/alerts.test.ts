// Alert rules end to end on real components: the 3 × 1-hour-average volume rule on the
// recorded XRP/ETH trades fires exactly where an independent computation says, e-mails
// go through a real SMTP server (with a working unsubscribe link), webhooks are signed
// and retried into the dead-letter queue, and rules are managed over the API.
import { createHmac } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { deliverDue, type DeliveryOptions } from '../src/alerts/delivery.js';
import { evaluateRules } from '../src/alerts/evaluator.js';
import { createRule, ruleInputSchema, syncConfigRules, listRules } from '../src/alerts/rules.js';
import { signingKey } from '../src/auth/tokens.js';
import { createUser } from '../src/auth/users.js';
import { parseConfig } from '../src/config/load.js';
import type { Trade } from '../src/domain/types.js';
import { upsertMarkets, upsertVenue } from '../src/ingest/catalog.js';
import { writeTrades } from '../src/ingest/writers.js';
import { Mailer } from '../src/mail/mailer.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { xrpEthTrades } from './helpers/fixtures.js';
import { loopbackServer, type LoopbackServer, listenOnLoopback } from './helpers/http.js';
import { smtpInbox, type Inbox } from './helpers/smtp.js';

const log = pino({ level: 'silent' });
const MIN = 60_000;
let db: TestDatabase;
let inbox: Inbox;
let mailer: Mailer;
let api: FastifyInstance;
let apiUrl: string;

beforeAll(async () => {
  db = await createTestDatabase();
  inbox = await smtpInbox();
  const config = parseConfig({ mail: { smtp: inbox.url, from: 'Wick <alerts@wick.test>' } });
  mailer = new Mailer(config.mail, log);
  api = await buildApi({ pool: db.pool, config, log, mailer });
  apiUrl = await listenOnLoopback(api);
});
afterAll(async () => {
  await api?.close();
  mailer?.close();
  await inbox?.close();
  await db?.drop();
});

const delivery = (o: Partial<DeliveryOptions> = {}): DeliveryOptions => ({
  maxAttempts: 3, backoffMs: 40, maxBackoffMs: 1000, webhookTimeoutMs: 1500, publicUrl: apiUrl, signingKey: () => signingKey(db.pool), ...o,
});

/** Runs delivery until nothing is pending any more. */
async function deliverAll(o: Partial<DeliveryOptions> = {}) {
  for (let i = 0; i < 200; i++) {
    await deliverDue(db.pool, mailer, log, delivery(o));
    const left = await db.pool.query(`SELECT count(*)::int AS n FROM alert_deliveries WHERE status = 'pending'`);
    if (left.rows[0].n === 0) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error('deliveries still pending');
}

async function market(venue: string, base: string, quote: string) {
  await upsertVenue(db.pool, venue, 'replay');
  const refs = await upsertMarkets(db.pool, [{ venue, symbol: `${base}/${quote}`, base, quote }]);
  return refs.get(`${base}/${quote}`)!;
}

describe('volume above 3 × its 1-hour average on the recorded XRP/ETH trades', () => {
  it('fires at exactly the minutes an independent computation gives, never again within the cooldown, and e-mails each firing', async () => {
    const raw = xrpEthTrades();
    const trades: Trade[] = raw.map(([ts, id, , side, price, amount]) => ({ ts, id, side, price: String(price), amount: String(amount) }));
    const m = await market('replay', 'XRP', 'ETH');
    const first = Math.floor(trades[0].ts / MIN) * MIN;
    const split = first + 90 * MIN;
    await writeTrades(db.pool, m.pk, trades.filter((t) => t.ts < split), 'test', 'trades', { i: 1 });

    const cooldown = 30 * MIN;
    const rule = await createRule(db.pool, ruleInputSchema.parse({
      name: 'XRP/ETH volume spike',
      series: { kind: 'market', market: 'replay:XRP-ETH', field: 'volume', resolution: '1m' },
      condition: { kind: 'ratio_ma', factor: 3, window: '1h' },
      cooldown: '30m',
      channels: [{ type: 'email', to: 'desk@example.com' }],
    }), null);

    // Evaluated live at the split (the rule's first look), then the rest of the day arrives
    // and is evaluated in a few steps (catching up on every closed minute).
    await evaluateRules(db.pool, log, null, { now: split, maxCatchUp: 100_000 });
    await writeTrades(db.pool, m.pk, trades.filter((t) => t.ts >= split), 'test', 'trades', { i: 2 });
    const lastMinute = Math.floor(trades[trades.length - 1].ts / MIN) * MIN;
    const end = lastMinute + 2 * MIN;
    for (const now of [split + 10 * 60 * MIN, split + 25 * 60 * MIN, end]) await evaluateRules(db.pool, log, null, { now, maxCatchUp: 100_000 });

    // Independent computation: per-minute volume from the raw rows (exact decimals), the
    // average over the 60 minutes before, edge-triggered with a 30-minute cooldown.
    const vol = new Map<number, Decimal>();
    for (const [ts, , , , , amount] of raw) {
      const k = Math.floor(ts / MIN) * MIN;
      vol.set(k, (vol.get(k) ?? new Decimal(0)).plus(new Decimal(String(amount))));
    }
    const v = (t: number) => (vol.get(t) ?? new Decimal(0)).toNumber();
    const expected: number[] = [];
    let active = false;
    let last: number | null = null;
    let suppressed = 0;
    for (let t = split - MIN; t <= end - 2 * MIN + MIN; t += MIN) {
      let sum = new Decimal(0);
      for (let k = t - 60 * MIN; k < t; k += MIN) sum = sum.plus(vol.get(k) ?? 0);
      const avg = sum.div(60).toNumber();
      if (avg <= 0) continue;
      const hit = v(t) > 3 * avg;
      if (!hit) {
        active = false;
        continue;
      }
      if (active) continue;
      if (last !== null && t < last + cooldown) {
        suppressed++;
        continue;
      }
      active = true;
      last = t;
      expected.push(t);
    }
    expect(expected.length).toBeGreaterThan(10);
    expect(suppressed).toBeGreaterThan(0); // the cooldown mattered

    const events = (await db.pool.query<{ at: Date; value: string; details: { reference: number; figure: number } }>(
      `SELECT at, value::text, details FROM alert_events WHERE rule_id = $1 ORDER BY at`, [rule.id])).rows;
    expect(events.map((e) => e.at.getTime())).toEqual(expected);
    for (let i = 1; i < events.length; i++) expect(events[i].at.getTime() - events[i - 1].at.getTime()).toBeGreaterThanOrEqual(cooldown);
    for (const e of events) expect(Number(e.value)).toBe(v(e.at.getTime()));

    // Each firing is e-mailed to the recipient with the values that fired.
    await deliverAll();
    const mails = await inbox.waitFor(expected.length);
    expect(mails).toHaveLength(expected.length);
    // Sent concurrently: pick the first firing's mail by its time.
    const firstAt = new Date(expected[0]).toISOString().replace('.000Z', 'Z');
    const mail = mails.find((x) => x.text!.includes(`at: ${firstAt}`))!;
    expect((mail.to as { text: string }).text).toBe('desk@example.com');
    expect(mail.subject).toContain('[Wick alert] XRP/ETH volume spike: volume of replay:XRP-ETH (1m) is');
    expect(mail.subject).toContain(`is ${v(expected[0])},`);
    expect(new Set(mails.map((x) => /at: (\S+)/.exec(x.text!)![1]))).toEqual(new Set(expected.map((t) => new Date(t).toISOString().replace('.000Z', 'Z'))));
    expect(mail.html).toContain('<table');
    expect(mail.text).toMatch(/Stop e-mails for "XRP\/ETH volume spike": http:\/\/127\.0\.0\.1:\d+\/v1\/alerts\/unsubscribe\?token=/);
  });
});

describe('threshold rule with hysteresis, e-mail unsubscribe and webhooks', () => {
  let hooks: LoopbackServer;
  const received: Array<{ path: string; body: string; headers: Record<string, string | string[] | undefined> }> = [];
  beforeAll(async () => {
    hooks = await loopbackServer(async (url, req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      received.push({ path: url.pathname, body, headers: req.headers });
      if (url.pathname === '/fail') {
        res.statusCode = 500;
        res.end('receiver is down');
      } else if (url.pathname === '/slow') {
        // Never answers within the delivery timeout.
        setTimeout(() => res.end('late'), 6000);
      } else {
        res.end('ok');
      }
    });
  });
  afterAll(async () => hooks?.close());

  it('fires on crossing, re-arms only past the hysteresis band, signs webhooks, retries failures into the dead-letter queue', async () => {
    const m = await market('test', 'AAA', 'BBB');
    const t0 = Date.UTC(2024, 0, 1);
    const secret = 'hook-secret-123';
    const rule = await createRule(db.pool, ruleInputSchema.parse({
      name: 'AAA above 11',
      series: { kind: 'market', market: 'test:AAA-BBB', field: 'price', resolution: '1m' },
      condition: { kind: 'threshold', op: 'above', value: 11 },
      hysteresis: 0.05, // re-arms only at or below 10.45
      channels: [
        { type: 'email', to: 'trader@example.com' },
        { type: 'webhook', url: `${hooks.url}/ok`, secret },
        { type: 'webhook', url: `${hooks.url}/fail`, secret },
        { type: 'webhook', url: `${hooks.url}/slow`, secret },
        { type: 'slack', url: `${hooks.url}/slack` },
        { type: 'discord', url: `${hooks.url}/discord` },
        { type: 'telegram', url: `${hooks.url}/bot123:abc/sendMessage`, chatId: 42 },
      ],
    }), null);
    // Closes per minute: 10, 12 (fire), 10.6 (inside the band: stays active), 12 (no fire), 10 (re-arm), 12 (fire).
    const closes = ['10', '12', '10.6', '12', '10', '12'];
    await writeTrades(db.pool, m.pk, [{ ts: t0 - MIN, id: 'seed', side: 'buy', price: '10', amount: '1' }], 'test', 't', { i: 0 });
    await evaluateRules(db.pool, log, null, { now: t0 }); // first look at minute -1
    await writeTrades(db.pool, m.pk, closes.map((p, i) => ({ ts: t0 + i * MIN + 1000, id: `t${i}`, side: 'buy' as const, price: p, amount: '1' })), 'test', 't', { i: 1 });
    await evaluateRules(db.pool, log, null, { now: t0 + 3 * MIN }); // minutes 0..1 closed
    await deliverAll();

    const events = () => db.pool.query<{ at: Date; value: string; message: string }>(`SELECT at, value::text, message FROM alert_events WHERE rule_id = $1 ORDER BY at`, [rule.id]).then((r) => r.rows);
    expect((await events()).map((e) => [e.at.getTime(), e.value])).toEqual([[t0 + MIN, '12']]);

    // The e-mail arrived; its unsubscribe link works.
    const mails = await inbox.waitFor(1).then((all) => all.filter((x) => (x.to as { text: string }).text === 'trader@example.com'));
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('[Wick alert] AAA above 11: price of test:AAA-BBB (1m) is 12, above 11');
    const link = /http:\/\/\S+\/v1\/alerts\/unsubscribe\?token=\S+/.exec(mails[0].text!)![0];
    expect(mails[0].headers.get('list')).toEqual({ unsubscribe: { url: link } });
    const unsub = await fetch(link);
    expect(unsub.status).toBe(200);
    expect(await unsub.json()).toEqual({ unsubscribed: true, rule: rule.id, email: 'trader@example.com' });
    const tampered = await fetch(link.replace(/token=(.)/, (_m, c: string) => `token=${c === 'A' ? 'B' : 'A'}`));
    expect(tampered.status).toBe(400);

    // The plain webhook: signed body, fresh timestamp.
    const ok = received.filter((r) => r.path === '/ok');
    expect(ok).toHaveLength(1);
    const ts = String(ok[0].headers['x-wick-timestamp']);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    expect(ok[0].headers['x-wick-signature']).toBe(`sha256=${createHmac('sha256', secret).update(`${ts}.${ok[0].body}`).digest('hex')}`);
    expect(createHmac('sha256', 'wrong-secret').update(`${ts}.${ok[0].body}`).digest('hex')).not.toBe(String(ok[0].headers['x-wick-signature']).slice(7));
    expect(JSON.parse(ok[0].body)).toMatchObject({ type: 'alert', event: { ruleId: rule.id, rule: 'AAA above 11', at: t0 + MIN, value: 12 } });
    expect(JSON.parse(received.find((r) => r.path === '/slack')!.body)).toEqual({ text: `:rotating_light: AAA above 11: price of test:AAA-BBB (1m) is 12, above 11 (at ${new Date(t0 + MIN).toISOString().replace('.000Z', 'Z')})` });
    const line = `AAA above 11: price of test:AAA-BBB (1m) is 12, above 11 (at ${new Date(t0 + MIN).toISOString().replace('.000Z', 'Z')})`;
    expect(JSON.parse(received.find((r) => r.path === '/discord')!.body)).toEqual({ content: `🚨 ${line}` });
    expect(JSON.parse(received.find((r) => r.path === '/bot123:abc/sendMessage')!.body)).toEqual({ chat_id: '42', text: `🚨 ${line}` });
    // Failing receivers: tried maxAttempts times, then dead-lettered with every error.
    expect(received.filter((r) => r.path === '/fail')).toHaveLength(3);
    expect(received.filter((r) => r.path === '/slow')).toHaveLength(3);
    const dead = await db.pool.query<{ target: string; attempts: number; errors: string[] }>(`SELECT target, attempts, errors FROM alert_dead_letters ORDER BY target`);
    expect(dead.rows.map((d) => [d.target.replace(hooks.url, ''), d.attempts, d.errors.length])).toEqual([['/fail', 3, 3], ['/slow', 3, 3]]);
    expect(dead.rows[0].errors[0]).toMatch(/HTTP 500: receiver is down$/);
    expect(dead.rows[1].errors[0]).toMatch(/timed out after 1500 ms$/);

    // The rest of the minutes: 10.6 stays in the band (no fire at 12), 10 re-arms, 12 fires again.
    await evaluateRules(db.pool, log, null, { now: t0 + 7 * MIN });
    expect((await events()).map((e) => [e.at.getTime(), e.value])).toEqual([[t0 + MIN, '12'], [t0 + 5 * MIN, '12']]);
    const before = inbox.messages.length;
    await deliverAll();
    // Unsubscribed: no e-mail for the second firing, but the webhook got it.
    const emails = await db.pool.query(`SELECT count(*)::int AS n FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id WHERE e.rule_id = $1 AND d.channel = 'email'`, [rule.id]);
    expect(emails.rows[0].n).toBe(1);
    expect(inbox.messages.length).toBe(before);
    expect(received.filter((r) => r.path === '/ok')).toHaveLength(2);
  });
});

describe('rules over the API and from the config file', () => {
  let cookie: string;
  let userCookie: string;
  beforeAll(async () => {
    await createUser(db.pool, { email: 'admin@example.com', password: 'correct horse battery', role: 'admin', verified: true });
    await createUser(db.pool, { email: 'user@example.com', password: 'another good password', verified: true });
    const login = async (email: string, password: string) => {
      const r = await fetch(`${apiUrl}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      expect(r.status).toBe(200);
      return r.headers.get('set-cookie')!.split(';')[0];
    };
    cookie = await login('admin@example.com', 'correct horse battery');
    userCookie = await login('user@example.com', 'another good password');
  });
  const call = (method: string, path: string, body?: unknown, c = cookie) => fetch(`${apiUrl}${path}`, { method, headers: { cookie: c, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

  it('creates, reads, updates, deletes rules; checks input; keeps secrets and other users\' rules private', async () => {
    expect((await fetch(`${apiUrl}/v1/alerts/rules`)).status).toBe(401);
    const input = { name: 'BTC stale', series: { kind: 'ticker', market: 'binance:BTC-USDT' }, condition: { kind: 'stale', after: '10m' }, channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/x', secret: 'supersecret' }] };
    const created = await call('POST', '/v1/alerts/rules', input, userCookie);
    expect(created.status).toBe(201);
    const rule = await created.json();
    expect(rule).toMatchObject({ name: 'BTC stale', condition: { kind: 'stale', after: 600_000 }, channels: [{ type: 'webhook', secret: '********' }], fromConfig: false });
    const bad = await call('POST', '/v1/alerts/rules', { ...input, condition: { kind: 'ratio_ma', factor: -1, window: '1h' } }, userCookie);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'condition.factor' });
    const badRes = await call('POST', '/v1/alerts/rules', { ...input, series: { kind: 'market', market: 'binance:BTC-USDT', resolution: '7m' } }, userCookie);
    expect((await badRes.json()).message).toMatch(/series\.resolution: "7m" is not one of the stored resolutions/);

    const put = await call('PUT', `/v1/alerts/rules/${rule.id}`, { ...input, name: 'BTC ticker stale', channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/x', secret: '********' }] }, userCookie);
    expect(put.status).toBe(200);
    const stored = await db.pool.query(`SELECT name, channels FROM alert_rules WHERE id = $1`, [rule.id]);
    expect(stored.rows[0]).toMatchObject({ name: 'BTC ticker stale', channels: [{ secret: 'supersecret' }] });

    // Another non-admin user's rule is invisible; admins see and manage everything.
    await createUser(db.pool, { email: 'other@example.com', password: 'a third password!', verified: true });
    const login = await fetch(`${apiUrl}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'other@example.com', password: 'a third password!' }) });
    const other = login.headers.get('set-cookie')!.split(';')[0];
    expect((await call('GET', `/v1/alerts/rules/${rule.id}`, undefined, other)).status).toBe(404);
    expect((await call('GET', `/v1/alerts/rules/${rule.id}`)).status).toBe(200);

    // Subscribing: the rule shows as subscribed.
    const adminRule = await (await call('POST', '/v1/alerts/rules', { ...input, name: 'shared' })).json();
    expect((await call('POST', `/v1/alerts/rules/${adminRule.id}/subscription`, undefined, other)).status).toBe(200);
    const mine = await (await call('GET', '/v1/alerts/rules', undefined, other)).json();
    expect(mine.rules.map((r: { name: string; subscribed: boolean }) => [r.name, r.subscribed])).toEqual([['shared', true]]);

    expect((await call('DELETE', `/v1/alerts/rules/${rule.id}`, undefined, other)).status).toBe(404);
    expect((await call('DELETE', `/v1/alerts/rules/${rule.id}`, undefined, userCookie)).status).toBe(204);
    expect((await call('GET', `/v1/alerts/rules/${rule.id}`, undefined, userCookie)).status).toBe(404);
  });

  it('lists events with filters, deliveries and dead letters, and requeues a dead letter', async () => {
    const all = await (await call('GET', '/v1/alerts/events?limit=1000')).json();
    expect(all.events.length).toBeGreaterThan(10);
    const aaa = await (await call('GET', `/v1/alerts/events?rule=${all.events.find((e: { rule: string }) => e.rule === 'AAA above 11').ruleId}`)).json();
    expect(aaa.events.map((e: { value: number }) => e.value)).toEqual([12, 12]);
    const jan = await (await call('GET', `/v1/alerts/events?from=2024-01-01T00:00:00Z&to=2024-01-01T00:02:00Z`)).json();
    expect(jan.events).toHaveLength(1);
    expect((await call('GET', '/v1/alerts/events?from=yesterdayish')).status).toBe(400);
    const dead = await (await call('GET', '/v1/alerts/dead-letters')).json();
    expect(dead.deadLetters).toHaveLength(4); // two firings × two failing receivers
    expect(dead.deadLetters[0].target).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…$/);
    const deliveries = await (await call('GET', '/v1/alerts/deliveries?status=dead')).json();
    expect(deliveries.deliveries.map((d: { attempts: number }) => d.attempts)).toEqual([3, 3, 3, 3]);
    const retry = await call('POST', `/v1/alerts/dead-letters/${dead.deadLetters[0].id}/retry`);
    expect(await retry.json()).toEqual({ deliveryId: dead.deadLetters[0].deliveryId, status: 'pending' });
    expect((await (await call('GET', '/v1/alerts/dead-letters')).json()).deadLetters).toHaveLength(3);
    // A plain user sees only firings of rules they can see (the shared config/admin ones here).
    const u = await (await call('GET', '/v1/alerts/events?limit=1000', undefined, userCookie)).json();
    expect(u.events.length).toBe(all.events.length);
  });

  it('keeps config-file rules in sync by name without resetting unchanged ones', async () => {
    const cfg = parseConfig({ alerts: { rules: [
      { name: 'cfg volume', series: { kind: 'market', market: 'replay:XRP-ETH', field: 'volume' }, condition: { kind: 'ratio_ma', factor: 3, window: '1h' }, cooldown: '15m' },
      { name: 'cfg metric', series: { kind: 'metric', name: 'floor_price', labels: { collection: 'x' } }, condition: { kind: 'change', percent: 10, window: '1h' } },
    ] } });
    await syncConfigRules(db.pool, cfg.alerts.rules);
    const ids1 = (await listRules(db.pool)).filter((r) => r.configKey).map((r) => r.id);
    await db.pool.query(`INSERT INTO alert_state (rule_id, active) VALUES ($1, true)`, [ids1[0]]);
    await syncConfigRules(db.pool, cfg.alerts.rules);
    const ids2 = (await listRules(db.pool)).filter((r) => r.configKey).map((r) => r.id);
    expect(ids2).toEqual(ids1);
    expect((await db.pool.query(`SELECT active FROM alert_state WHERE rule_id = $1`, [ids1[0]])).rows).toEqual([{ active: true }]);
    await syncConfigRules(db.pool, cfg.alerts.rules.slice(1));
    expect((await listRules(db.pool)).filter((r) => r.configKey).map((r) => r.name)).toEqual(['cfg metric']);
    const put = await call('PUT', `/v1/alerts/rules/${ids1[1]}`, { name: 'x', series: { kind: 'metric', name: 'y' }, condition: { kind: 'stale', after: '1m' } });
    expect(put.status).toBe(409);
    expect(() => parseConfig({ alerts: { rules: [{ name: 'a', series: { kind: 'metric', name: 'm' }, condition: { kind: 'rank', n: 5, direction: 'enters' } }] } })).toThrow(/alerts\.rules\[0\]\.series\.kind: a rank condition needs a market_rank series/);
  });
});

describe('other series and conditions', () => {
  it('fires a % change rule on a metric series, and a rank rule when a market enters the top 1', async () => {
    const { writeMetrics } = await import('../src/ingest/writers.js');
    const t = Date.UTC(2024, 5, 1);
    const labels = { collection: 'punks' };
    await writeMetrics(db.pool, [{ name: 'floor', labels, ts: t, value: '100' }], 'test', 'm', { i: 0 });
    const change = await createRule(db.pool, ruleInputSchema.parse({ name: 'floor up 10%', series: { kind: 'metric', name: 'floor', labels }, condition: { kind: 'change', percent: 10, window: '1h', direction: 'up' } }), null);
    await evaluateRules(db.pool, log, null, { now: t + MIN });
    await writeMetrics(db.pool, [{ name: 'floor', labels, ts: t + 90 * MIN, value: '105' }, { name: 'floor', labels, ts: t + 100 * MIN, value: '112' }], 'test', 'm', { i: 1 });
    await evaluateRules(db.pool, log, null, { now: t + 101 * MIN });
    const ev = await db.pool.query(`SELECT at, value::float8 AS value, details FROM alert_events WHERE rule_id = $1`, [change.id]);
    // At t+90m the value an hour earlier is 100 (+5%: no); at t+100m it is still 100 (+12%: fires).
    expect(ev.rows.map((r) => [r.at.getTime(), r.value, r.details.reference])).toEqual([[t + 100 * MIN, 112, 100]]);
    // A rule created later looks at the series' newest point first.
    const above = await createRule(db.pool, ruleInputSchema.parse({ name: 'floor above 110', series: { kind: 'metric', name: 'floor', labels }, condition: { kind: 'threshold', op: 'above', value: 110 } }), null);
    await evaluateRules(db.pool, log, null, { now: t + 130 * MIN });
    const ab = await db.pool.query(`SELECT at, value::float8 AS value FROM alert_events WHERE rule_id = $1`, [above.id]);
    expect(ab.rows.map((r) => [r.at.getTime(), r.value])).toEqual([[t + 100 * MIN, 112]]);

    const a = await market('rank', 'AAA', 'USD');
    const b = await market('rank', 'BBB', 'USD');
    const now = Date.now();
    await writeTrades(db.pool, a.pk, [{ ts: now - 10 * MIN, id: 'a1', side: 'buy', price: '1', amount: '500' }], 'test', 'ra', { i: 0 });
    await writeTrades(db.pool, b.pk, [{ ts: now - 10 * MIN, id: 'b1', side: 'buy', price: '1', amount: '100' }], 'test', 'rb', { i: 0 });
    const rank = await createRule(db.pool, ruleInputSchema.parse({ name: 'BBB top 1', series: { kind: 'market_rank', market: 'rank:BBB-USD', by: 'volume', window: '1h', quote: 'USD' }, condition: { kind: 'rank', n: 1, direction: 'enters' } }), null);
    await evaluateRules(db.pool, log, null, { now });
    await writeTrades(db.pool, b.pk, [{ ts: now - 5 * MIN, id: 'b2', side: 'buy', price: '1', amount: '1000' }], 'test', 'rb', { i: 1 });
    await evaluateRules(db.pool, log, null, { now: now + 1000 });
    await evaluateRules(db.pool, log, null, { now: now + 2000 });
    const rk = await db.pool.query(`SELECT value::int AS value, message FROM alert_events WHERE rule_id = $1`, [rank.id]);
    expect(rk.rows).toEqual([{ value: 1, message: 'BBB top 1: rank of rank:BBB-USD by volume is 1: entered the top 1' }]);
  });

  it('groups e-mails per recipient into one digest', async () => {
    const m = await market('digest', 'DDD', 'USD');
    const t0 = Date.UTC(2024, 2, 1);
    await writeTrades(db.pool, m.pk, [{ ts: t0 - MIN, id: 's', side: 'buy', price: '5', amount: '1' }], 'test', 'd', { i: 0 });
    for (const v of [6, 7]) {
      await createRule(db.pool, ruleInputSchema.parse({ name: `DDD above ${v}`, series: { kind: 'market', market: 'digest:DDD-USD' }, condition: { kind: 'threshold', op: 'above', value: v }, channels: [{ type: 'email', to: 'digest@example.com' }] }), null);
    }
    await evaluateRules(db.pool, log, null, { now: t0 });
    await writeTrades(db.pool, m.pk, [{ ts: t0 + 1000, id: 'x', side: 'buy', price: '9', amount: '1' }], 'test', 'd', { i: 1 });
    await evaluateRules(db.pool, log, null, { now: t0 + 2 * MIN, digestMs: 500 });
    await deliverAll({ digest: true });
    const digest = inbox.messages.filter((x) => (x.to as { text: string }).text === 'digest@example.com');
    expect(digest).toHaveLength(1);
    expect(digest[0].subject).toBe('[Wick alerts] 2 alerts: DDD above 6, DDD above 7');
    expect(digest[0].text).toContain('DDD above 6: price of digest:DDD-USD (1m) is 9, above 6');
    expect(digest[0].text).toContain('DDD above 7: price of digest:DDD-USD (1m) is 9, above 7');
    expect(digest[0].text!.match(/Stop e-mails for/g)).toHaveLength(2);
  });
});
