import { z } from 'zod';
import { duration } from '../config/units.js';

export const realtimeConfigSchema = z.strictObject({
  /** redis://… to fan events out over Redis pub/sub (REDIS_URL); otherwise Postgres LISTEN/NOTIFY. */
  redisUrl: z.string().min(1).optional(),
  /** How long SSE clients can resume with Last-Event-ID. */
  replayWindow: duration.default(300_000),
  replayMaxEvents: z.number().int().positive().default(50_000),
  /** Events queued for one slow client before it is disconnected. */
  maxQueue: z.number().int().positive().max(1_000_000).default(2000),
  /** Keep-alive comment (SSE) / ping (WebSocket) interval. */
  heartbeat: duration.default(15_000),
});

export const realtimeDefaults = realtimeConfigSchema.parse({});
