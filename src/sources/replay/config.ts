import { z } from 'zod';
import { parseResolution } from '../../domain/resolution.js';
import { duration } from '../../config/units.js';
import { sourceId } from '../common-config.js';

export const replayConfigSchema = z.strictObject({
  id: sourceId,
  type: z.literal('replay'),
  /** Venue the replayed market is stored under. */
  venue: z.string().regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, "-" or "_"').default('replay'),
  /** Market symbol as BASE/QUOTE, e.g. "XRP/ETH". */
  market: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'use BASE/QUOTE, e.g. "XRP/ETH"'),
  /** Recorded trades or candles: .json, .json.gz, .jsonl, .csv (optionally .gz); relative to the config file. */
  file: z.string().min(1),
  /** What the file holds; detected from its rows when omitted. */
  data: z.enum(['trades', 'candles']).optional(),
  /** Resolution of a candle file ("1m", "1h", …); inferred from the spacing of its rows when omitted. */
  resolution: z.string().optional().superRefine((v, ctx) => {
    if (v !== undefined && parseResolution(v) === null) ctx.addIssue({ code: 'custom', message: `"${v}" is not a resolution (e.g. "1m", "1h", "1d")` });
  }),
  /** backfill: store everything at once with the original times; live: replay paced as if it were happening now. */
  mode: z.enum(['backfill', 'live']).default('backfill'),
  /** Live mode: how many times faster than real time (60 = one recorded hour per minute). */
  speed: z.number().positive().max(1_000_000).default(1),
  /** Live mode: start over at the end of the file (with new trade ids and times). */
  loop: z.boolean().default(false),
  /** Live mode: on first start, begin the replayed timeline this long ago ("30m"), so history is there at once. */
  backdate: duration.optional(),
  /** Rows per stored batch. */
  batchSize: z.number().int().positive().max(100_000).default(5000),
}).superRefine((c, ctx) => {
  if (c.mode !== 'live') {
    for (const k of ['speed', 'loop', 'backdate'] as const) {
      if (k === 'speed' ? c.speed !== 1 : k === 'loop' ? c.loop : c.backdate !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'only applies to mode: live' });
    }
  }
});

export type ReplayConfig = z.output<typeof replayConfigSchema>;
