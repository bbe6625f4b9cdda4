// Sessions: a random token in an HTTP-only cookie (Secure when served over https,
// SameSite=Lax); Postgres stores only its SHA-256, so a database leak yields no sessions.
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from '../db/pool.js';
import type { User } from './users.js';
import { getUser } from './users.js';

export const SESSION_COOKIE = 'wick_session';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createSession(pool: Pool, userId: number, ttlMs: number): Promise<{ token: string; expires: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expires = new Date(Date.now() + ttlMs);
  await pool.query(`INSERT INTO user_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`, [digest(token), userId, expires]);
  return { token, expires };
}

export async function sessionUser(pool: Pool, token: string): Promise<User | null> {
  const r = await pool.query<{ user_id: number }>(
    `UPDATE user_sessions SET last_seen_at = now() WHERE token_hash = $1 AND expires_at > now() RETURNING user_id`,
    [digest(token)],
  );
  return r.rows[0] ? getUser(pool, Number(r.rows[0].user_id)) : null;
}

export async function endSession(pool: Pool, token: string): Promise<void> {
  await pool.query(`DELETE FROM user_sessions WHERE token_hash = $1`, [digest(token)]);
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

export function sessionCookie(token: string, expires: Date | null, secure: boolean): string {
  const attrs = [`${SESSION_COOKIE}=${encodeURIComponent(token)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  attrs.push(expires ? `Expires=${expires.toUTCString()}` : 'Max-Age=0');
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}
