// Who is making a request: the user of the session cookie (API keys from the security
// work plug in here too), resolved once per request.
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../api/errors.js';
import type { Pool } from '../db/pool.js';
import { readCookie, SESSION_COOKIE, sessionUser } from './sessions.js';
import type { User } from './users.js';

const resolved = new WeakMap<FastifyRequest, Promise<User | null>>();

export function requestUser(pool: Pool, req: FastifyRequest): Promise<User | null> {
  let p = resolved.get(req);
  if (!p) {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    p = token ? sessionUser(pool, token) : Promise.resolve(null);
    resolved.set(req, p);
  }
  return p;
}

export async function requireUser(pool: Pool, req: FastifyRequest): Promise<User> {
  const u = await requestUser(pool, req);
  if (!u) throw new HttpError(401, 'sign in first (POST /v1/auth/login sets the session cookie)');
  return u;
}

export async function requireAdmin(pool: Pool, req: FastifyRequest): Promise<User> {
  const u = await requireUser(pool, req);
  if (u.role !== 'admin') throw new HttpError(403, 'only admins may do this');
  return u;
}
