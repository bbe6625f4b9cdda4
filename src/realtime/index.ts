// Assembles this process's realtime pieces: the bus over the configured transport, the
// hub that serves stream clients, and the publisher ingest reports to.
import type { Logger } from 'pino';
import type { WickConfig } from '../config/schema.js';
import type { Pool } from '../db/pool.js';
import { EventBus } from './bus.js';
import { StreamHub } from './hub.js';
import { IngestPublisher } from './publisher.js';
import { PgTransport, RedisTransport, type Transport } from './transport.js';

export interface Realtime {
  bus: EventBus;
  hub: StreamHub;
  publisher: IngestPublisher;
  close(): Promise<void>;
}

export async function startRealtime(pool: Pool, config: WickConfig, log: Logger): Promise<Realtime> {
  const rt = config.realtime;
  let transport: Transport;
  if (rt.redisUrl) {
    // Several Wick databases may share one Redis: the database name keeps their events apart.
    const db = (await pool.query<{ name: string }>('SELECT current_database() AS name')).rows[0].name;
    transport = new RedisTransport(rt.redisUrl, log, `wick:${db}`);
  } else {
    transport = new PgTransport(pool, null, log);
  }
  const bus = new EventBus(transport, log, { replayWindowMs: rt.replayWindow, replayMaxEvents: rt.replayMaxEvents });
  await bus.start();
  const hub = new StreamHub(bus, rt.maxQueue);
  const publisher = new IngestPublisher(bus, pool, log);
  log.debug({ transport: transport.name }, 'realtime bus started');
  return {
    bus, hub, publisher,
    close: async () => {
      await publisher.flush();
      hub.close('server shutting down');
      await bus.close();
    },
  };
}
