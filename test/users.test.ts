// Accounts on real components: sign-up mails a signed verification link through a real
// SMTP server (or prints it to the log without one), login sets an HTTP-only session
// cookie stored in Postgres, password reset voids old sessions and the used link, and
// `wick users create --admin` makes an admin from the CLI.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { verifyPassword } from '../src/auth/passwords.js';
import { signingKey, signToken } from '../src/auth/tokens.js';
import { checkLogin, findUserByEmail } from '../src/auth/users.js';
import { parseConfig } from '../src/config/load.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { runWick } from './helpers/cli.js';
import { smtpInbox, type Inbox } from './helpers/smtp.js';
import { listenOnLoopback } from './helpers/http.js';

const log = pino({ level: 'silent' });
let db: TestDatabase;
let inbox: Inbox;
let api: FastifyInstance;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase();
  inbox = await smtpInbox();
  api = await buildApi({ pool: db.pool, config: parseConfig({ mail: { smtp: inbox.url } }), log });
  url = await listenOnLoopback(api);
});
afterAll(async () => {
  await api?.close();
  await inbox?.close();
  await db?.drop();
});

const post = (path: string, body: unknown, cookie?: string) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });

describe('sign-up, verification, login, sessions, password reset', () => {
  it('runs the whole account flow', async () => {
    const weak = await post('/v1/auth/signup', { email: 'ann@example.com', password: 'short' });
    expect(weak.status).toBe(400);
    expect(await weak.json()).toMatchObject({ field: 'password', message: 'password: password must be at least 10 characters' });

    const signup = await post('/v1/auth/signup', { email: 'Ann@Example.com', password: 'first password 1' });
    expect(signup.status).toBe(201);
    expect(await signup.json()).toMatchObject({ email: 'Ann@Example.com', role: 'user', emailVerified: false });
    expect((await post('/v1/auth/signup', { email: 'ann@example.com', password: 'first password 1' })).status).toBe(409);
    const stored = await findUserByEmail(db.pool, 'ann@example.com');
    expect(stored!.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('first password 1', stored!.passwordHash)).toBe(true);

    // Not verified yet: no login.
    expect((await post('/v1/auth/login', { email: 'ann@example.com', password: 'first password 1' })).status).toBe(403);
    const [mail] = await inbox.waitFor(1);
    expect((mail.to as { text: string }).text.toLowerCase()).toBe('ann@example.com');
    expect(mail.subject).toBe('Confirm your Wick account');
    const link = /http:\/\/\S+\/v1\/auth\/verify\?token=\S+/.exec(mail.text!)![0];
    expect(mail.html).toContain(`href="${link}"`);
    // A tampered or expired token is refused.
    expect((await fetch(link.replace('token=', 'token=x'))).status).toBe(400);
    const key = await signingKey(db.pool);
    const expired = signToken(key, { purpose: 'verify', exp: Date.now() - 1, uid: stored!.id, email: stored!.email });
    const exp = await fetch(`${url}/v1/auth/verify?token=${expired}`);
    expect(await exp.json()).toMatchObject({ statusCode: 400, field: 'token', message: 'token: the link has expired' });
    const verified = await fetch(link);
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ emailVerified: true });

    expect((await post('/v1/auth/login', { email: 'ann@example.com', password: 'wrong password!' })).status).toBe(401);
    const login = await post('/v1/auth/login', { email: 'ann@example.com', password: 'first password 1' });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^wick_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Expires=/);
    expect(setCookie).not.toContain('Secure'); // plain http here; https adds Secure
    const cookie = setCookie.split(';')[0];
    // Only the token's hash is stored.
    const sessions = await db.pool.query(`SELECT token_hash FROM user_sessions`);
    expect(sessions.rows).toHaveLength(1);
    expect(sessions.rows[0].token_hash).not.toContain(cookie.split('=')[1]);
    const me = await fetch(`${url}/v1/auth/me`, { headers: { cookie } });
    expect(await me.json()).toMatchObject({ email: 'Ann@Example.com', emailVerified: true });

    // Password reset: mailed token, sets the password, ends sessions, cannot be reused.
    expect((await post('/v1/auth/password-reset', { email: 'nobody@example.com' })).status).toBe(202);
    expect((await post('/v1/auth/password-reset', { email: 'ann@example.com' })).status).toBe(202);
    const all = await inbox.waitFor(2);
    expect(all).toHaveLength(2); // nothing sent for the unknown address
    const token = /\?token=(\S+)/.exec(all[1].text!)![1];
    const reset = await post('/v1/auth/password-reset/confirm', { token: decodeURIComponent(token), password: 'second password 2' });
    expect(reset.status).toBe(200);
    expect((await fetch(`${url}/v1/auth/me`, { headers: { cookie } })).status).toBe(401);
    const again = await post('/v1/auth/password-reset/confirm', { token: decodeURIComponent(token), password: 'third password 3' });
    expect(await again.json()).toMatchObject({ field: 'token', message: 'token: this reset link was already used' });
    expect(await checkLogin(db.pool, 'ann@example.com', 'second password 2')).toMatchObject({ email: 'Ann@Example.com' });

    // Logout ends the session.
    const l2 = await post('/v1/auth/login', { email: 'ann@example.com', password: 'second password 2' });
    const c2 = l2.headers.get('set-cookie')!.split(';')[0];
    expect((await fetch(`${url}/v1/auth/logout`, { method: 'POST', headers: { cookie: c2 } })).status).toBe(204);
    expect((await fetch(`${url}/v1/auth/me`, { headers: { cookie: c2 } })).status).toBe(401);
  });

  it('prints the verification mail to the log when no SMTP server is configured', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
    const app = await buildApi({ pool: db.pool, config: parseConfig({ mail: { publicUrl: 'https://wick.example.com' } }), log: pino({ level: 'info' }, sink) });
    try {
      const r = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { email: 'bob@example.com', password: 'bobs password 1' } });
      expect(r.statusCode).toBe(201);
      const logged = lines.map((l) => JSON.parse(l)).find((l) => l.subject === 'Confirm your Wick account');
      expect(logged.to).toBe('bob@example.com');
      const link = /https:\/\/wick\.example\.com\/v1\/auth\/verify\?token=\S+/.exec(logged.msg)![0];
      const v = await app.inject({ method: 'GET', url: link.replace('https://wick.example.com', '') });
      expect(v.json()).toMatchObject({ email: 'bob@example.com', emailVerified: true });
    } finally {
      await app.close();
    }
  });
});

describe('wick users create', () => {
  it('creates a verified admin that can sign in and open the jobs stream', async () => {
    const env = { ...process.env, DATABASE_URL: db.url, WICK_CONFIG: '', LOG_LEVEL: 'warn' };
    const r = await runWick(['users', 'create', '--admin', '--email', 'root@example.com'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^created admin root@example\.com \(id \d+\)\npassword: (\S+)\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    const dup = await runWick(['users', 'create', '--email', 'ROOT@example.com', '--password', 'long enough pw'], { env });
    expect(dup.code).toBe(2);
    expect(dup.stderr).toBe('wick: --email: an account for ROOT@example.com already exists\n');
    const login = await post('/v1/auth/login', { email: 'root@example.com', password: m![1] });
    expect(await login.json()).toMatchObject({ role: 'admin', emailVerified: true });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const res = await fetch(`${url}/v1/stream?channels=jobs`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await res.body?.cancel();
  });
});
