import { z } from 'zod';
import { duration } from '../../config/units.js';
import { sourceId } from '../common-config.js';

const maxPages = z.number().int().positive().max(10_000).default(100);
/** Pages a run usually reads per item: only used by `wick budget plan`. */
const expectedPages = z.number().int().positive().default(1);

const pagination = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('cursor'),
    /** Query parameter that carries the cursor. */
    param: z.string().min(1),
    /** Where the next cursor is in the response (absent/null/empty: last page). */
    path: z.string().min(1),
    maxPages, expectedPages,
  }),
  z.strictObject({
    type: z.literal('page'),
    param: z.string().min(1).default('page'),
    start: z.number().int().min(0).default(1),
    /** Array whose emptiness (or shortness, with `size`) ends paging; default: the first metric's `each`. */
    rows: z.string().optional(),
    sizeParam: z.string().optional(),
    size: z.number().int().positive().optional(),
    maxPages, expectedPages,
  }),
  z.strictObject({
    type: z.literal('offset'),
    param: z.string().min(1).default('offset'),
    limitParam: z.string().min(1).default('limit'),
    limit: z.number().int().positive().default(100),
    rows: z.string().optional(),
    maxPages, expectedPages,
  }),
]);

const metric = z.strictObject({
  /** Series name, e.g. "nft_floor_price". */
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_.:-]*$/, 'use letters, digits, "_", ".", ":" or "-"'),
  /** Rows to map (a JSON path to an array, e.g. "data" or "data[*]"); default: the whole response is one row. */
  each: z.string().optional(),
  /** JSON path of the value in a row, e.g. "statistics.floor_price" ("$.…" starts at the response root). */
  value: z.string().min(1),
  /** JSON path of the time in a row (ISO-8601, epoch seconds or ms); default: the time of the fetch. */
  time: z.string().optional(),
  /** Labels: "{var}" takes the item's variable, "$path" a value from the row ("$.path" from the response root), anything else is literal. */
  labels: z.record(z.string(), z.string()).default({}),
  /** When true a missing/null value skips the row; otherwise it is a shape error (the run fails and is retried). */
  optional: z.boolean().default(false),
});

export const httpConfigSchema = z.strictObject({
  id: sourceId,
  type: z.literal('http'),
  /** Provider whose budget these calls count against (`providers:`); defaults to the source id. */
  provider: z.string().min(1).optional(),
  /** URL template; {var} takes the item's variables (URL-encoded). */
  url: z.string().min(1).refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://'),
  method: z.enum(['GET', 'POST']).default('GET'),
  /** JSON body for POST; strings may use {var}. */
  body: z.unknown().optional(),
  /** Request headers; put secrets in the environment: "Authorization: ${NFTPORT_KEY}". */
  headers: z.record(z.string(), z.string()).default({}),
  /** The items to fetch: strings (bound to {<itemKey>}) or maps of variables. Empty: one request set without variables. */
  items: z.array(z.union([z.string().min(1), z.record(z.string(), z.union([z.string(), z.number()]))])).default([]),
  /** Variable a string item is bound to, and the key that identifies a map item (jobs select items by it). */
  itemKey: z.string().min(1).default('item'),
  /** Default interval when no job declares a schedule for this source. */
  every: duration.default(3_600_000),
  /** Units one request costs at the provider (1, or e.g. compute units). */
  cost: z.number().positive().default(1),
  timeout: duration.default(10_000),
  pagination: pagination.optional(),
  metrics: z.array(metric).min(1),
}).superRefine((c, ctx) => {
  const vars = [...c.url.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
  c.items.forEach((item, i) => {
    const have = typeof item === 'string' ? [c.itemKey] : Object.keys(item);
    for (const v of vars) if (!have.includes(v)) ctx.addIssue({ code: 'custom', path: ['items', i], message: `has no variable "${v}" used in url` });
    if (typeof item !== 'string' && !(c.itemKey in item)) ctx.addIssue({ code: 'custom', path: ['items', i], message: `has no "${c.itemKey}" (the itemKey that identifies an item)` });
  });
  if (c.items.length === 0 && vars.length > 0) ctx.addIssue({ code: 'custom', path: ['items'], message: `url uses ${vars.map((v) => `{${v}}`).join(', ')}: declare the items that fill them` });
});

export type HttpConfig = z.output<typeof httpConfigSchema>;
