// The `auth` configuration section (the admin token, API keys and which routes need one)
// and the `users` section (accounts, sessions, signed links).
import { z } from 'zod';

export const apiKeyAuthFields = {
  /** Token for the admin API (Authorization: Bearer … or x-api-key); env WICK_ADMIN_TOKEN. */
  adminToken: z.string().min(16, 'use at least 16 characters').optional(),
  /** When true every read route needs a key with scope read (or higher), except `publicRoutes`. */
  requireKeyForReads: z.boolean().default(false),
  /** Read routes that stay public even with requireKeyForReads: path prefixes, e.g. "/v1/markets". Admin and write routes are never public. */
  publicRoutes: z.array(z.string().regex(/^\//, 'a path starting with "/"')).default([]),
  /** GET /metrics needs an admin key when true (keep it false when only Prometheus can reach the port). */
  metricsRequireKey: z.boolean().default(false),
};

export const authConfigSchema = z.strictObject(apiKeyAuthFields);
export type AuthConfig = z.output<typeof authConfigSchema>;

import { duration } from '../config/units.js';

export const usersConfigSchema = z.strictObject({
  /** Anyone may sign up (with e-mail verification); false: accounts only from the CLI. */
  signup: z.boolean().default(true),
  sessionTtl: duration.default(30 * 86_400_000),
  verifyTtl: duration.default(86_400_000),
  resetTtl: duration.default(3_600_000),
  /** Key for signed links (verify, reset, unsubscribe); default: one generated and kept in the database. */
  secret: z.string().min(16).optional(),
});
export const usersDefaults = usersConfigSchema.parse({});
