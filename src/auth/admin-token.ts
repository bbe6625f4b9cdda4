// The admin token: a credential with admin scope that needs no database (for first runs,
// webhooks and scripts). It comes from config `auth.adminToken` or the WICK_ADMIN_TOKEN
// environment variable and is sent like an API key (see guard.ts). Without one, admin
// routes need an admin-scope API key; they are never open.
import { createHash, timingSafeEqual } from 'node:crypto';

export function adminToken(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  return configured ?? (env.WICK_ADMIN_TOKEN && env.WICK_ADMIN_TOKEN.length > 0 ? env.WICK_ADMIN_TOKEN : null);
}

// Hashing first makes the comparison constant-time whatever the lengths.
const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when the presented credential is the configured admin token (constant-time). */
export function isAdminToken(given: string, token: string | null): boolean {
  return token !== null && timingSafeEqual(digest(given), digest(token));
}
