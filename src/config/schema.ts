// The one validated configuration. Every section lives here; each source type
// contributes its own schema (src/sources/<type>/config.ts) through the source registry.
import { z } from 'zod';
import { sourceConfigSchema } from '../sources/registry.js';
import { budgetsSchema, providersSchema } from '../budgets/config.js';
import { checkJobs, jobsSchema, schedulerSchema } from '../jobs/config.js';
import { backupConfigSchema } from '../ops/backup/config.js';
import { opsConfigSchema } from '../ops/config.js';
import { alertsConfigSchema, alertsDefaults } from '../alerts/config.js';
import { authConfigSchema, usersConfigSchema, usersDefaults } from '../auth/config.js';
import { mailConfigSchema } from '../mail/mailer.js';
import { realtimeConfigSchema, realtimeDefaults } from '../realtime/config.js';
import { analyticsConfigSchema } from '../analytics/config.js';

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
  /** How long a request waits for a free connection before the API answers 503, milliseconds. */
  acquireTimeoutMs: z.number().int().positive().default(5_000),
  /** Idle connections are closed after this long, milliseconds. */
  idleTimeoutMs: z.number().int().positive().default(30_000),
  /** A session idle inside a transaction this long is ended by the server, milliseconds. */
  idleInTransactionTimeoutMs: z.number().int().positive().default(60_000),
  /** The API answers 503 at once when this many requests already wait for a connection (0: never). */
  maxWaiting: z.number().int().min(0).default(50),
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
  /** Declared jobs over source tasks (schedules, priorities, retries); see src/jobs/config.ts. */
  jobs: jobsSchema,
  scheduler: schedulerSchema,
  /** Per-provider budgets: rate limits and quotas; see src/budgets/config.ts. */
  providers: providersSchema,
  budgets: budgetsSchema,
  backup: backupConfigSchema.default(backupConfigSchema.parse({})),
  auth: authConfigSchema.default(authConfigSchema.parse({})),
  ops: opsConfigSchema.default(opsConfigSchema.parse({})),
  realtime: realtimeConfigSchema.default(realtimeDefaults),
  alerts: alertsConfigSchema.default(alertsDefaults),
  users: usersConfigSchema.default(usersDefaults),
  mail: mailConfigSchema.default(mailConfigSchema.parse({})),
  analytics: analyticsConfigSchema.default(analyticsConfigSchema.parse({})),
}).superRefine((cfg, ctx) => {
  checkJobs(cfg.jobs, cfg.sources.map((s) => s.id), (path, message) => ctx.addIssue({ code: 'custom', path, message }));
  const seen = new Map<string, number>();
  cfg.sources.forEach((s, i) => {
    const prev = seen.get(s.id);
    if (prev !== undefined) ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicate source id "${s.id}" (also sources[${prev}].id)` });
    seen.set(s.id, i);
  });
});

export type WickConfig = z.output<typeof configSchema>;
