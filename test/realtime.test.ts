// Realtime streams end to end: trades replayed through the ingest path by a "worker"
// reach SSE and WebSocket clients of two separate API instances on the same database, over
// Postgres LISTEN/NOTIFY and over Redis; the forming candle updates, then closes with the
// values stored; Last-Event-ID resumes; slow clients are coalesced or cut off.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { parseConfig } from '../src/config/load.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { SourceRunner } from '../src/ingest/runner.js';
import { StreamClient as HubClient, type ClientTransport } from '../src/realtime/hub.js';
import { startRealtime, type Realtime } from '../src/realtime/index.js';
import type { NumberedEvent } from '../src/realtime/events.js';
import { pack } from '../src/realtime/transport.js';
import { createSource } from '../src/sources/registry.js';
import { unmeteredCall } from '../src/sources/types.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { xrpEthTrades } from './helpers/fixtures.js';
import { sseClient, wsClient, type Received } from './helpers/streams.js';
import { listenOnLoopback } from './helpers/http.js';

const log = pino({ level: 'silent' });
const MARKET = 'replay:XRP-ETH';
const TRADES = 400; // about two hours of the recording, many 1-minute candles

for (const transport of ['postgres', 'redis'] as const) {
  describe(`streams over ${transport}`, () => {
    let db: TestDatabase;
    const pools: Pool[] = [];
    const apis: FastifyInstance[] = [];
    let worker: Realtime;
    let urls: string[];
    let file: string;
    const config = parseConfig(transport === 'redis' ? { realtime: { redisUrl: 'redis://127.0.0.1:6379' } } : {});

    beforeAll(async () => {
      db = await createTestDatabase();
      const pool = () => {
        const p = createPool({ url: db.url, max: 5, statementTimeoutMs: 60_000, applicationName: 'wick-test' });
        pools.push(p);
        return p;
      };
      // Two API "processes" (own pools, own listeners) and a worker publishing ingest events.
      urls = [];
      for (let i = 0; i < 2; i++) {
        const api = await buildApi({ pool: pool(), config, log });
        apis.push(api);
        urls.push(await listenOnLoopback(api));
      }
      worker = await startRealtime(pool(), config, log);
      const dir = await mkdtemp(join(tmpdir(), 'wick-rt-'));
      file = join(dir, 'trades.json');
      await writeFile(file, JSON.stringify(xrpEthTrades().slice(0, TRADES)));
    });
    afterAll(async () => {
      await worker?.close();
      for (const a of apis) await a.close();
      for (const p of pools) await p.end();
      await db?.drop();
    });

    it('delivers trades and the forming then closed candle to SSE and WebSocket clients of both API instances', async () => {
      const channels = [`trades:${MARKET}`, `candles:${MARKET}:1m`];
      const sseA = sseClient(`${urls[0]}/v1/stream?channels=${channels.join(',')}`);
      const sseB = sseClient(`${urls[1]}/v1/stream?channels=${channels.join(',')}`);
      const ws = wsClient(`${urls[1].replace('http', 'ws')}/v1/ws`);
      await ws.opened;
      ws.send({ op: 'subscribe', channels });
      await sseA.waitFor((e) => e.some((x) => x.event === 'ready'));
      await sseB.waitFor((e) => e.some((x) => x.event === 'ready'));
      await ws.waitFor((e) => e.some((x) => x.event === 'subscribed'));
      expect(sseA.events[0].data.transport).toBe(transport);

      const source = await createSource(parseConfig({ sources: [{ id: 'replay', type: 'replay', market: 'XRP/ETH', file, batchSize: 7 }] }).sources[0], '/');
      const runner = new SourceRunner(source, pools[2], log, unmeteredCall, worker.publisher);
      const pass = await runner.runPass({ kind: 'trades', every: null }, new AbortController().signal);
      expect(pass.rows).toBe(TRADES);
      await worker.publisher.flush();

      const stored = (await pools[2].query<{ time: number; close: string; volume: string; trades: number }>(
        `SELECT (extract(epoch FROM ts) * 1000)::int8 AS time, close::text, volume::text, trades FROM candles
         WHERE market_pk = (SELECT pk FROM markets WHERE id = $1) AND resolution = 60 ORDER BY ts`, [MARKET])).rows;
      const last = stored[stored.length - 1];
      const tradeCount = (ev: Received[]) => ev.filter((x) => x.event === 'trades').reduce((a, x) => a + x.data.data.trades.length, 0);
      const done = (ev: Received[]) => tradeCount(ev) === TRADES && ev.some((x) => x.event === 'candle' && x.data.data.candle.time === last.time && x.data.data.candle.volume === last.volume);
      for (const c of [sseA, sseB, ws]) await c.waitFor(done);

      const candles = (ev: Received[]) => ev.filter((x) => x.event === 'candle').map((x) => ({ time: x.data.data.candle.time, closed: x.data.data.closed, close: x.data.data.candle.close, volume: x.data.data.candle.volume, trades: x.data.data.candle.trades }));
      const a = candles(sseA.events);
      // Every process saw the same events in the same order.
      expect(candles(sseB.events)).toEqual(a);
      expect(candles(ws.events)).toEqual(a);
      // Each bucket: updates while forming, then exactly one closed event with the stored values;
      // the newest bucket is still forming.
      for (const s of stored) {
        const mine = a.filter((c) => c.time === s.time);
        const closed = mine.filter((c) => c.closed);
        if (s === last) {
          expect(closed).toEqual([]);
          expect(mine[mine.length - 1]).toEqual({ time: s.time, closed: false, close: s.close, volume: s.volume, trades: s.trades });
        } else {
          expect(closed).toEqual([{ time: s.time, closed: true, close: s.close, volume: s.volume, trades: s.trades }]);
          expect(mine[mine.length - 1].closed).toBe(true);
        }
      }
      // Batches of 7 trades split buckets: some buckets were seen forming before they closed.
      expect(stored.filter((s) => a.some((c) => c.time === s.time && !c.closed)).length).toBeGreaterThan(10);
      // Trades arrive in order, each once.
      const ids = sseB.events.filter((x) => x.event === 'trades').flatMap((x) => x.data.data.trades.map((t: { id: string }) => t.id));
      expect(ids).toEqual(xrpEthTrades().slice(0, TRADES).map((t) => t[1]));

      // Resumption: a client that saw up to some event gets exactly what followed.
      const cut = Math.floor(sseA.events.length / 2);
      const resumed = sseClient(`${urls[0]}/v1/stream?channels=${channels.join(',')}`, { 'last-event-id': sseA.events[cut].id! });
      const rest = sseA.events.slice(cut + 1).filter((x) => x.id);
      await resumed.waitFor((e) => e.some((x) => x.id === rest[rest.length - 1].id));
      // Replayed all at once into one socket, superseded forming-candle updates may coalesce;
      // trades and closed candles never do.
      const got = resumed.events.filter((x) => x.id);
      const mustHave = (x: Received) => x.event === 'trades' || x.data.data.closed === true;
      expect(got.filter(mustHave).map((x) => x.id)).toEqual(rest.filter(mustHave).map((x) => x.id));
      const order = new Map(rest.map((x, i) => [x.id, i]));
      expect(got.every((x) => order.has(x.id))).toBe(true);
      // An id from another process cannot be resumed: the client is told.
      const other = sseClient(`${urls[1]}/v1/stream?channels=tickers`, { 'last-event-id': sseA.events[cut].id! });
      await other.waitFor((e) => e.some((x) => x.event === 'reset'));
      for (const c of [sseA, sseB, ws, resumed, other]) c.close();
    });

    it('rejects bad channels and keeps the jobs channel for admins', async () => {
      const res = await fetch(`${urls[0]}/v1/stream?channels=trades:nope`);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: 'channels', message: expect.stringContaining('trades:{venue}:{BASE-QUOTE}') });
      expect((await fetch(`${urls[0]}/v1/stream?channels=jobs`)).status).toBe(401);
      const ws = wsClient(`${urls[0].replace('http', 'ws')}/v1/ws`);
      await ws.opened;
      ws.send({ op: 'subscribe', channels: ['jobs'] });
      ws.send({ op: 'ping' });
      await ws.waitFor((e) => e.some((x) => x.event === 'pong'));
      expect(ws.events.find((x) => x.event === 'error')?.data.message).toMatch(/admins/);
      ws.send({ op: 'subscribe', channels: ['tickers', 'prices:BTC'] });
      ws.send({ op: 'unsubscribe', channels: ['tickers'] });
      await ws.waitFor((e) => e.some((x) => x.event === 'unsubscribed'));
      expect(ws.events.find((x) => x.event === 'subscribed')?.data.channels).toEqual(['tickers', 'prices:BTC']);
      await worker.bus.publish([{ channel: 'tickers', type: 'ticker', data: { market: 'x:A-B' } }, { channel: 'prices:BTC', type: 'price', data: { asset: 'BTC', price: '1' } }]);
      await ws.waitFor((e) => e.some((x) => x.event === 'price'));
      expect(ws.events.filter((x) => x.event === 'ticker')).toEqual([]);
      ws.close();
    });
  });
}

describe('slow clients', () => {
  it('cuts off an SSE client that stops reading, telling it why, and keeps serving the others', async () => {
    const db = await createTestDatabase();
    const config = parseConfig({ realtime: { maxQueue: 50 } });
    const api = await buildApi({ pool: db.pool, config, log });
    const url = await listenOnLoopback(api);
    const pub = await startRealtime(db.pool, config, log);
    try {
      const { request } = await import('node:http');
      // A client that connects and then stops reading its socket.
      let text = '';
      let paused!: import('node:http').IncomingMessage;
      const ended = new Promise<void>((resolve) => {
        const req = request(`${url}/v1/stream?channels=metrics:load`, (res) => {
          paused = res;
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', resolve);
          res.on('close', resolve);
        });
        req.end();
      });
      const healthy = sseClient(`${url}/v1/stream?channels=metrics:load`);
      while (!paused || !text.includes('event: ready')) await new Promise((r) => setTimeout(r, 20));
      await healthy.waitFor((e) => e.some((x) => x.event === 'ready'));
      paused.pause();
      // ~24 MB of must-deliver events: far more than socket buffers hold.
      const N = 4000;
      for (let i = 0; i < N; i += 100) {
        await pub.bus.publish(Array.from({ length: 100 }, (_, k) => ({ channel: 'metrics:load', type: 'metric', data: { name: 'load', labels: {}, ts: i + k, value: String(i + k), pad: 'x'.repeat(6000) } })));
      }
      await healthy.waitFor((e) => e.filter((x) => x.event === 'metric').length === N, 60_000);
      paused.resume();
      await ended;
      expect(text).toMatch(/event: close\ndata: \{"reason":"slow consumer: more than 50 events waiting"\}\n\n$/);
      expect(healthy.events.filter((x) => x.event === 'metric').map((x) => x.data.data.ts)).toEqual(Array.from({ length: N }, (_, i) => i));
      healthy.close();
    } finally {
      await pub.close();
      await api.close();
      await db.drop();
    }
  });

  /** A socket that is backed up until released. */
  function stuckTransport() {
    const written: NumberedEvent[] = [];
    let drain: (() => void) | null = null;
    const t = {
      written, closedWith: null as string | null, full: true,
      write: (e: NumberedEvent) => {
        written.push(e);
        return !t.full;
      },
      onDrain: (cb: () => void) => (drain = cb),
      close: (reason: string) => (t.closedWith = reason),
      release: () => {
        t.full = false;
        drain?.();
      },
    };
    return t satisfies ClientTransport;
  }
  const ev = (i: number, coalesce?: string): NumberedEvent => ({ id: `x-${i}`, channel: 'tickers', type: 'ticker', data: { i }, coalesce });

  it('coalesces tickers and forming candles (latest wins) while the socket is backed up', () => {
    const t = stuckTransport();
    const c = new HubClient(t, 5, false);
    c.deliver(ev(0, 'ticker:a')); // written; socket now backed up
    for (let i = 1; i <= 100; i++) c.deliver(ev(i, i % 2 ? 'ticker:a' : 'ticker:b'));
    expect(c.pending).toBe(2);
    expect(c.coalesced).toBe(98);
    t.release();
    expect(t.written.map((e) => e.data)).toEqual([{ i: 0 }, { i: 99 }, { i: 100 }]);
    expect(t.closedWith).toBeNull();
  });

  it('disconnects a client whose queue of must-deliver events overflows, with the reason', () => {
    const t = stuckTransport();
    const c = new HubClient(t, 5, false);
    for (let i = 0; i < 7; i++) c.deliver(ev(i));
    expect(t.closedWith).toBe('slow consumer: more than 5 events waiting');
    expect(c.closed).toBe(true);
    expect(c.pending).toBe(0);
  });

  it('packs bus events under the NOTIFY payload limit', () => {
    const events = Array.from({ length: 200 }, (_, i) => ({ channel: 'tickers', type: 'ticker', data: { i, pad: 'x'.repeat(100) } }));
    const packed = pack(events);
    expect(packed.length).toBeGreaterThan(1);
    for (const p of packed) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(packed.flatMap((p) => JSON.parse(p))).toEqual(events);
  });
});
