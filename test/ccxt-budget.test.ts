// ccxt's HTTP requests go through the provider gate: counted against the exchange's quota,
// and a 429 with Retry-After pauses the provider and is retried (recorded Kraken responses).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderLimiter } from '../src/budgets/limiter.js';
import { parseConfig } from '../src/config/load.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { createSource } from '../src/sources/registry.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { readJson } from './helpers/fixtures.js';
import { loopbackServer, sendJson, type LoopbackServer } from './helpers/http.js';

interface Recorded { methods: Record<string, Array<{ httpResponse: any }>> }
const kraken = readJson<Recorded>('ccxt/response/kraken.json');
const krakenMarkets = readJson<Record<string, unknown>>('ccxt/markets/kraken.json');
const log = pino({ level: 'silent' });

describe('ccxt through the provider gate', () => {
  let db: TestDatabase;
  let server: LoopbackServer;
  const arrivals: number[] = [];
  let limitedLeft = 1;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await loopbackServer((url, _req, res) => {
      arrivals.push(Date.now());
      if (limitedLeft > 0) {
        limitedLeft--;
        res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' });
        res.end('{"error":["EAPI:Rate limit exceeded"]}');
        return;
      }
      if (url.pathname === '/0/public/Ticker') return sendJson(res, kraken.methods.fetchTicker[0].httpResponse);
      sendJson(res, { error: ['EGeneral:Unknown'] }, 404);
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('counts every request against the exchange provider and honours Retry-After on 429', async () => {
    const cfg = parseConfig({
      sources: [{ id: 'kraken', type: 'ccxt', exchange: 'kraken', apiUrl: server.url, exchangeConfig: { markets: krakenMarkets, enableRateLimit: false }, markets: ['BTC/USDT'], tickers: {} }],
      providers: { kraken: { quota: { perDay: 100 } } },
    });
    const limiter = new ProviderLimiter(db.pool, cfg.providers, log);
    const runner = new SourceRunner(await createSource(cfg.sources[0], '.'), db.pool, log, limiter.call);
    const r = await runner.runPass({ kind: 'tickers', every: 1000 }, new AbortController().signal);
    expect(r).toMatchObject({ rows: 1, errors: [] });
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(1950); // Retry-After: 2 (the default pause would be 1 s)
    const usage = (await db.pool.query(`SELECT period, used::int AS used FROM provider_usage WHERE provider = 'kraken' ORDER BY period`)).rows;
    expect(usage).toEqual([{ period: 'day', used: 2 }, { period: 'month', used: 2 }]);
  });
});
