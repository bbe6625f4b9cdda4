// Live streams: GET /v1/stream (Server-Sent Events) and GET /v1/ws (WebSocket). Both
// subscribe to channels (trades:{market}, candles:{market}:{resolution}, tickers,
// prices:{asset}, metrics:{name}, alerts, jobs — the last for admins only).
import websocket from '@fastify/websocket';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { WebSocket } from 'ws';
import { requestUser } from '../../../auth/request.js';
import type { User } from '../../../auth/users.js';
import type { NumberedEvent } from '../../../realtime/events.js';
import { checkChannel } from '../../../realtime/events.js';
import type { Realtime } from '../../../realtime/index.js';
import { badRequest, HttpError } from '../../errors.js';
import type { ApiContext } from '../../app.js';
import { errors } from '../../schemas.js';

/** A WebSocket with more than this buffered counts as backed up. */
const WS_HIGH_WATER = 512 * 1024;

const sseFrame = (e: NumberedEvent) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ channel: e.channel, data: e.data })}\n\n`;

export const streamRoutes = (ctx: ApiContext, rt: Realtime): FastifyPluginAsyncTypebox => async (app) => {
  const { hub, bus } = rt;
  const heartbeat = ctx.config.realtime.heartbeat;
  // Streams never end by themselves: end them so the server can close.
  app.addHook('preClose', async () => hub.disconnectAll('server shutting down'));

  /**
   * What a client may see on the alerts channel: admins everything; signed-in users the
   * firings of shared rules (config file, admins'), their own and the ones they subscribe to.
   */
  async function alertFilter(user: User | null): Promise<((e: NumberedEvent) => boolean) | null> {
    if (user?.role === 'admin') return null;
    const subs = user ? new Set((await ctx.pool.query<{ rule_id: number }>(`SELECT rule_id FROM alert_subscriptions WHERE user_id = $1`, [user.id])).rows.map((r) => Number(r.rule_id))) : new Set<number>();
    return (e) => {
      if (e.channel !== 'alerts') return true;
      const f = e.data as { ruleId: number; ownerId: number | null; shared: boolean };
      return user !== null && (f.shared || f.ownerId === user.id || subs.has(f.ruleId));
    };
  }

  /** Checks requested channels; "jobs" needs an admin session, "alerts" a signed-in user. */
  async function channelsFor(req: FastifyRequest, list: string[], field: string): Promise<{ channels: string[]; admin: boolean; user: User | null }> {
    const channels = [...new Set(list.map((c) => c.trim()).filter(Boolean))];
    for (const c of channels) {
      const problem = checkChannel(c);
      if (problem) throw badRequest(field, problem);
    }
    const user = await requestUser(ctx.pool, req);
    const admin = user?.role === 'admin';
    if (channels.includes('jobs') && !admin) throw new HttpError(user ? 403 : 401, 'the "jobs" channel is for admins (sign in with an admin account)', field);
    if (channels.includes('alerts') && !user) throw new HttpError(401, 'the "alerts" channel needs a signed-in user', field);
    return { channels, admin, user };
  }

  app.get('/stream', {
    schema: {
      summary: 'Server-Sent Events stream',
      description: 'Subscribe with `channels` (comma-separated): `trades:{market}`, `candles:{market}:{resolution}` (the forming candle updates in place, `closed: true` once final), `tickers`, `prices:{asset}`, `metrics:{name}`, `alerts`, `jobs` (admins). '
        + 'Each event has an id; reconnect with `Last-Event-ID` (header or `lastEventId`) to receive what was missed within the replay window; an `event: reset` says resumption was not possible. Slow clients have tickers and forming candles coalesced and are disconnected (`event: close` with the reason) when they fall too far behind.',
      tags: ['streams'],
      querystring: Type.Object({
        channels: Type.String({ minLength: 1, description: 'e.g. trades:binance:BTC-USDT,candles:binance:BTC-USDT:1m,tickers' }),
        lastEventId: Type.Optional(Type.String()),
      }),
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errors(400, 401, 403) },
    },
  }, async (req, reply) => {
    const { channels, admin, user } = await channelsFor(req, req.query.channels.split(','), 'channels');
    const accept = await alertFilter(user);
    const lastId = (req.headers['last-event-id'] as string | undefined) ?? req.query.lastEventId;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ channels, transport: bus.transportName })}\n\n`);
    const client = hub.add({
      write: (e) => res.write(sseFrame(e)),
      onDrain: (cb) => res.once('drain', cb),
      close: (reason) => {
        res.end(`event: close\ndata: ${JSON.stringify({ reason })}\n\n`);
      },
    }, admin);
    client.accept = accept;
    // Replay and subscribe in the same tick: nothing can arrive in between.
    if (lastId) {
      const missed = bus.since(lastId);
      if (missed === null) res.write(`event: reset\ndata: ${JSON.stringify({ reason: `cannot resume after ${lastId}: not in this server's replay window; reload state and continue` })}\n\n`);
      else for (const e of missed) if (channels.includes(e.channel)) client.deliver(e);
    }
    for (const c of channels) hub.subscribe(client, c);
    const timer = setInterval(() => {
      if (!client.closed && client.pending === 0) res.write(': ping\n\n');
    }, heartbeat);
    res.on('close', () => {
      clearInterval(timer);
      client.closed = true;
      hub.remove(client);
    });
  });

  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  app.get('/ws', {
    websocket: true,
    schema: {
      summary: 'WebSocket stream',
      description: 'Send `{"op":"subscribe","channels":[...]}` / `{"op":"unsubscribe","channels":[...]}` / `{"op":"ping"}`; receive `{"op":"event","id","channel","type","data"}`, `{"op":"subscribed"}`, `{"op":"pong"}`, `{"op":"error","message"}`. '
        + 'The server pings every heartbeat and drops connections that stop answering; slow clients are coalesced, then closed with code 1008 and the reason.',
      tags: ['streams'],
    },
  }, async (socket: WebSocket, req: FastifyRequest) => {
    const user = await requestUser(ctx.pool, req).catch(() => null);
    const admin = user?.role === 'admin';
    const send = (m: unknown) => socket.send(JSON.stringify(m));
    let draining: NodeJS.Timeout | null = null;
    const client = hub.add({
      write: (e) => {
        socket.send(JSON.stringify({ op: 'event', id: e.id, channel: e.channel, type: e.type, data: e.data }));
        return socket.bufferedAmount < WS_HIGH_WATER;
      },
      onDrain: (cb) => {
        draining = setInterval(() => {
          if (socket.bufferedAmount < WS_HIGH_WATER / 2) {
            clearInterval(draining!);
            draining = null;
            cb();
          }
        }, 20);
      },
      close: (reason) => socket.close(1008, reason.slice(0, 120)),
    }, admin, 'ws');
    client.accept = await alertFilter(user);
    let alive = true;
    socket.on('pong', () => (alive = true));
    const timer = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, heartbeat);
    socket.on('message', (raw) => {
      let msg: { op?: string; channels?: unknown };
      try {
        msg = JSON.parse(raw.toString());
      } catch {
        return send({ op: 'error', message: 'messages are JSON: {"op":"subscribe","channels":["tickers"]}' });
      }
      if (msg.op === 'ping') return send({ op: 'pong', ts: Date.now() });
      if (msg.op !== 'subscribe' && msg.op !== 'unsubscribe') return send({ op: 'error', message: `unknown op "${String(msg.op)}" (use subscribe, unsubscribe, ping)` });
      if (!Array.isArray(msg.channels) || msg.channels.some((c) => typeof c !== 'string')) return send({ op: 'error', message: 'channels: must be an array of channel names' });
      const list = msg.channels as string[];
      if (msg.op === 'unsubscribe') {
        for (const c of list) hub.unsubscribeChannel(client, c);
        return send({ op: 'unsubscribed', channels: list });
      }
      for (const c of list) {
        const problem = checkChannel(c);
        if (problem) return send({ op: 'error', message: `channels: ${problem}` });
        if (c === 'jobs' && !admin) return send({ op: 'error', message: 'channels: the "jobs" channel is for admins' });
        if (c === 'alerts' && !user) return send({ op: 'error', message: 'channels: the "alerts" channel needs a signed-in user' });
      }
      for (const c of list) hub.subscribe(client, c);
      send({ op: 'subscribed', channels: [...client.channels] });
    });
    socket.on('close', () => {
      clearInterval(timer);
      if (draining) clearInterval(draining);
      client.closed = true;
      hub.remove(client);
    });
    send({ op: 'ready', transport: bus.transportName });
  });
};
