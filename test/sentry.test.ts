// Error reporting: with a DSN set, a request that fails inside Wick (here: a table is gone)
// reaches a Sentry-compatible endpoint on loopback with the release and environment tags.
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { parseConfig } from '../src/config/load.js';
import { flushSentry, initSentry } from '../src/ops/sentry.js';
import { VERSION } from '../src/version.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { loopbackServer, type LoopbackServer, listenOnLoopback } from './helpers/http.js';

let db: TestDatabase;
let sentry: LoopbackServer;
const envelopes: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  sentry = await loopbackServer(async (_url, req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    envelopes.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
afterAll(async () => {
  await sentry?.close();
  await db?.drop();
});

describe('Sentry', () => {
  it('is off without a DSN and reports server errors with release and environment when set', async () => {
    const log = pino({ level: 'silent' });
    expect(await initSentry(parseConfig({}).ops.sentry, log, {})).toBe(false);
    const dsn = `${sentry.url.replace('http://', 'http://publickey@')}/42`;
    expect(await initSentry(parseConfig({ ops: { sentry: { environment: 'staging' } } }).ops.sentry, log, { SENTRY_DSN: dsn })).toBe(true);
    const app = await buildApi({ pool: db.pool, config: parseConfig({}), log });
    const base = await listenOnLoopback(app);
    expect((await fetch(`${base}/v1/venues`)).status).toBe(200);
    expect((await fetch(`${base}/v1/markets/x/candles?resolution=7q`)).status).toBe(400); // client errors are not reported
    await db.pool.query('ALTER TABLE venues RENAME TO venues_gone');
    const failed = await fetch(`${base}/v1/venues`);
    expect(failed.status).toBe(500);
    await flushSentry(5000);
    await app.close();
    const events = envelopes.filter((e) => e.includes('"type":"event"'));
    expect(events).toHaveLength(1);
    expect(events[0]).toContain(`"release":"wick@${VERSION}"`);
    expect(events[0]).toContain('"environment":"staging"');
    expect(events[0]).toContain('venues');
    expect(sentry.requests.every((u) => u.pathname === '/api/42/envelope/')).toBe(true);
  });
});
