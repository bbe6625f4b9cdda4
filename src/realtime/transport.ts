// Cross-process fan-out of bus events. Postgres LISTEN/NOTIFY by default (no extra
// service); Redis pub/sub when a Redis URL is configured. Events are packed into
// envelopes that stay under NOTIFY's 8000-byte payload limit; a single event too large
// for one envelope is split by the publisher (see publisher.ts), never truncated.
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import type { WickEvent } from './events.js';

export const PG_CHANNEL = 'wick_events';
/** NOTIFY payloads must be shorter than 8000 bytes; keep a margin for the envelope. */
export const MAX_PAYLOAD_BYTES = 7800;

export interface Transport {
  readonly name: string;
  send(events: WickEvent[]): Promise<void>;
  /** Starts receiving; `onEvents` gets every event published by any process (this one too). */
  listen(onEvents: (events: WickEvent[]) => void): Promise<void>;
  close(): Promise<void>;
}

/** Splits events into JSON arrays each under the byte limit (an oversized single event is rejected). */
export function pack(events: WickEvent[], limit = MAX_PAYLOAD_BYTES): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let size = 2;
  for (const e of events) {
    const s = JSON.stringify(e);
    const bytes = Buffer.byteLength(s);
    if (bytes + 2 > limit) throw new Error(`event on ${e.channel} is ${bytes} bytes, over the ${limit}-byte bus limit`);
    if (size + bytes + 1 > limit && cur.length) {
      out.push(`[${cur.join(',')}]`);
      cur = [];
      size = 2;
    }
    cur.push(s);
    size += bytes + 1;
  }
  if (cur.length) out.push(`[${cur.join(',')}]`);
  return out;
}

export class PgTransport implements Transport {
  readonly name = 'postgres';
  private client: pg.Client | null = null;
  private closed = false;

  constructor(private readonly pool: Pool, private readonly url: string | null, private readonly log: Logger) {}

  async send(events: WickEvent[]): Promise<void> {
    const payloads = pack(events);
    if (payloads.length === 0) return;
    // One round trip for all envelopes; pg_notify keeps their order.
    await this.pool.query(`SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i`, [PG_CHANNEL, payloads]);
  }

  async listen(onEvents: (events: WickEvent[]) => void): Promise<void> {
    // LISTEN needs a dedicated connection that stays out of the pool. While the database is
    // unreachable (at start or after a restart) it keeps retrying, backing off to 10 s.
    let failures = 0;
    const retry = () => {
      if (this.closed) return;
      const wait = Math.min(10_000, 500 * 2 ** Math.min(failures++, 5));
      setTimeout(() => void connect(), wait).unref();
    };
    const connect = async () => {
      const opts = this.url ? { connectionString: this.url } : (this.pool as unknown as { options: pg.ClientConfig }).options;
      const client = new pg.Client({ ...opts, application_name: 'wick-events' });
      client.on('notification', (n) => {
        if (n.channel !== PG_CHANNEL || !n.payload) return;
        try {
          onEvents(JSON.parse(n.payload) as WickEvent[]);
        } catch (e) {
          this.log.warn({ err: (e as Error).message }, 'bad event payload');
        }
      });
      client.on('error', (e) => {
        this.log.warn({ err: e.message }, 'event listener connection lost; reconnecting');
        client.end().catch(() => undefined);
        retry();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${PG_CHANNEL}`);
        this.client = client;
        failures = 0;
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'event listener cannot connect; retrying');
        client.removeAllListeners('error');
        client.end().catch(() => undefined);
        retry();
      }
    };
    await connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }
}

export class RedisTransport implements Transport {
  readonly name = 'redis';
  private readonly pub: Redis;
  private sub: Redis | null = null;
  private readonly channel: string;

  constructor(private readonly url: string, private readonly log: Logger, namespace = 'wick') {
    this.pub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.pub.on('error', (e) => this.log.warn({ err: e.message }, 'redis publish connection error'));
    this.channel = `${namespace}:events`;
  }

  async send(events: WickEvent[]): Promise<void> {
    // Redis has no small payload limit, but the same envelopes keep both transports alike.
    for (const p of pack(events, 512_000)) await this.pub.publish(this.channel, p);
  }

  async listen(onEvents: (events: WickEvent[]) => void): Promise<void> {
    const sub = new Redis(this.url, { lazyConnect: false });
    sub.on('error', (e) => this.log.warn({ err: e.message }, 'redis subscribe connection error'));
    sub.on('message', (_ch: string, payload: string) => {
      try {
        onEvents(JSON.parse(payload) as WickEvent[]);
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'bad event payload');
      }
    });
    await sub.subscribe(this.channel);
    this.sub = sub;
  }

  async close(): Promise<void> {
    await this.sub?.quit().catch(() => undefined);
    await this.pub.quit().catch(() => undefined);
  }
}

/** A per-database namespace so several Wick databases can share one Redis. */
export function redisNamespace(databaseKey: string): string {
  return `wick:${databaseKey}`;
}

