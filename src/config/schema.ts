// The one validated configuration. Every section lives here; each source type
// contributes its own schema (src/sources/<type>/config.ts) through the source registry.
import { z } from 'zod';
import { sourceConfigSchema } from '../sources/registry.js';

const serverSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Largest `limit` any list route accepts. */
  maxLimit: z.number().int().positive().max(100_000).default(5000),
});

const databaseSchema = z.strictObject({
  /** postgres://… of an external server; when absent Wick runs an embedded Postgres in the data directory. */
  url: z.string().min(1).optional(),
  /** Connections in this process's pool. */
  poolSize: z.number().int().min(2).max(200).default(10),
  /** Statement timeout for API queries, milliseconds. */
  statementTimeoutMs: z.number().int().positive().default(30_000),
  embedded: z.strictObject({
    /** Port of the embedded server; 0 picks a free one. */
    port: z.number().int().min(0).max(65535).default(0),
  }).default({ port: 0 }),
});

export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default('.wick'),
  server: serverSchema.default(serverSchema.parse({})),
  database: databaseSchema.default(databaseSchema.parse({})),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    pretty: z.boolean().default(false),
  }).default({ level: 'info', pretty: false }),
  sources: z.array(sourceConfigSchema).default([]),
}).superRefine((cfg, ctx) => {
  const seen = new Map<string, number>();
  cfg.sources.forEach((s, i) => {
    const prev = seen.get(s.id);
    if (prev !== undefined) ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicate source id "${s.id}" (also sources[${prev}].id)` });
    seen.set(s.id, i);
  });
});

export type WickConfig = z.output<typeof configSchema>;
