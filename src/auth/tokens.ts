// Signed, expiring tokens for links in e-mails (verify address, reset password,
// unsubscribe): base64url(JSON payload) + "." + HMAC-SHA256. The key is created once per
// database (wick_secrets) so every process signs and checks alike, unless configured.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from '../db/pool.js';

const cache = new WeakMap<Pool, Promise<string>>();

export function signingKey(pool: Pool, configured?: string): Promise<string> {
  if (configured) return Promise.resolve(configured);
  let p = cache.get(pool);
  if (!p) {
    p = (async () => {
      await pool.query(`INSERT INTO wick_secrets (name, value) VALUES ('token-signing', $1) ON CONFLICT (name) DO NOTHING`, [randomBytes(32).toString('base64url')]);
      return (await pool.query<{ value: string }>(`SELECT value FROM wick_secrets WHERE name = 'token-signing'`)).rows[0].value;
    })();
    p.catch(() => cache.delete(pool));
    cache.set(pool, p);
  }
  return p;
}

export interface TokenPayload {
  /** What the token is for: verify, reset, unsubscribe. */
  purpose: string;
  /** Expiry, epoch ms. */
  exp: number;
  [k: string]: unknown;
}

const mac = (key: string, body: string) => createHmac('sha256', key).update(body).digest('base64url');

export function signToken(key: string, payload: TokenPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(key, body)}`;
}

/** The payload when the signature is right, the purpose matches and it has not expired; else a reason. */
export function verifyToken<T extends TokenPayload>(key: string, token: string, purpose: string, now = Date.now()): T | { error: string } {
  const [body, sig] = token.split('.');
  if (!body || !sig) return { error: 'malformed token' };
  const a = Buffer.from(sig);
  const b = Buffer.from(mac(key, body));
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { error: 'invalid token signature' };
  let payload: T;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
  } catch {
    return { error: 'malformed token' };
  }
  if (payload.purpose !== purpose) return { error: `not a ${purpose} token` };
  if (typeof payload.exp !== 'number' || payload.exp < now) return { error: 'the link has expired' };
  return payload;
}
