// /v1/auth: sign-up with e-mail verification, login/logout (session cookie), the current
// user, password reset by e-mail.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { requireUser } from '../../../auth/request.js';
import { createSession, endSession, readCookie, SESSION_COOKIE, sessionCookie } from '../../../auth/sessions.js';
import { signingKey, signToken, verifyToken, type TokenPayload } from '../../../auth/tokens.js';
import { AccountError, checkLogin, createUser, findUserByEmail, getUser, markVerified, passwordFingerprint, setPassword, type User } from '../../../auth/users.js';
import type { Mailer } from '../../../mail/mailer.js';
import { badRequest, HttpError } from '../../errors.js';
import type { ApiContext } from '../../app.js';
import { errors } from '../../schemas.js';

const UserSchema = Type.Object({ id: Type.Integer(), email: Type.String(), role: Type.String(), emailVerified: Type.Boolean(), createdAt: Type.Integer() });
const Credentials = Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 200 }) });

const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AccountError) throw e.status === 400 ? badRequest(e.field, e.message) : new HttpError(e.status, e.message, e.field);
    throw e;
  }
};

export const authRoutes = (ctx: ApiContext, mailer: Mailer, publicUrl: () => string): FastifyPluginAsyncTypebox => async (app) => {
  const { pool } = ctx;
  const cfg = ctx.config.users;
  const key = () => signingKey(pool, cfg.secret);
  const secure = (req: FastifyRequest) => req.protocol === 'https';
  const link = (path: string, token: string) => `${publicUrl().replace(/\/$/, '')}${path}?token=${encodeURIComponent(token)}`;

  async function sendVerification(user: User): Promise<void> {
    const token = signToken(await key(), { purpose: 'verify', exp: Date.now() + cfg.verifyTtl, uid: user.id, email: user.email });
    const url = link('/v1/auth/verify', token);
    await mailer.send({
      to: user.email,
      subject: 'Confirm your Wick account',
      text: `Confirm your e-mail address for Wick by opening this link (valid for ${Math.round(cfg.verifyTtl / 3_600_000)} h):\n\n${url}\n\nIf you did not sign up, ignore this message.`,
      html: `<p>Confirm your e-mail address for Wick:</p><p><a href="${url}">Confirm my address</a></p><p style="color:#666">The link is valid for ${Math.round(cfg.verifyTtl / 3_600_000)} hours. If you did not sign up, ignore this message.</p>`,
    });
  }

  app.post('/auth/signup', {
    schema: {
      summary: 'Create an account; a verification link is e-mailed (printed to the log when no SMTP server is configured)', tags: ['users'],
      body: Credentials, response: { 201: UserSchema, ...errors(400, 403, 409) },
    },
  }, async (req, reply) => {
    if (!cfg.signup) throw new HttpError(403, 'sign-up is disabled (users.signup: false); an admin creates accounts with `wick users create`');
    const user = await wrap(() => createUser(pool, req.body));
    await sendVerification(user);
    return reply.status(201).send(user);
  });

  app.get('/auth/verify', {
    schema: { summary: 'Confirm an e-mail address (the link from the sign-up mail)', tags: ['users'], querystring: Type.Object({ token: Type.String({ minLength: 1 }) }), response: { 200: UserSchema, ...errors(400) } },
  }, async (req) => {
    const p = verifyToken<TokenPayload & { uid: number; email: string }>(await key(), req.query.token, 'verify');
    if ('error' in p) throw badRequest('token', String(p.error));
    const user = await getUser(pool, p.uid);
    if (!user || user.email.toLowerCase() !== p.email.toLowerCase()) throw badRequest('token', 'the account no longer exists');
    await markVerified(pool, user.id);
    return { ...user, emailVerified: true };
  });

  app.post('/auth/verify/resend', {
    schema: { summary: 'Send the verification link again', tags: ['users'], body: Type.Object({ email: Type.String({ minLength: 3 }) }), response: { 202: Type.Object({ sent: Type.Boolean() }), ...errors(400) } },
  }, async (req, reply) => {
    const user = await findUserByEmail(pool, req.body.email);
    // Same answer whether or not the account exists.
    if (user && !user.emailVerified) await sendVerification(user);
    return reply.status(202).send({ sent: true });
  });

  app.post('/auth/login', {
    schema: { summary: 'Sign in: sets an HTTP-only session cookie', tags: ['users'], body: Credentials, response: { 200: UserSchema, ...errors(400, 401, 403) } },
  }, async (req, reply) => {
    const user = await checkLogin(pool, req.body.email, req.body.password);
    if (!user) throw new HttpError(401, 'wrong e-mail or password');
    if (!user.emailVerified) throw new HttpError(403, 'confirm your e-mail address first (see the link we sent; POST /v1/auth/verify/resend sends it again)');
    const s = await createSession(pool, user.id, cfg.sessionTtl);
    reply.header('set-cookie', sessionCookie(s.token, s.expires, secure(req)));
    const { id, email, role, emailVerified, createdAt } = user;
    return { id, email, role, emailVerified, createdAt };
  });

  app.post('/auth/logout', {
    schema: { summary: 'Sign out: ends the session', tags: ['users'], response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token) await endSession(pool, token);
    reply.header('set-cookie', sessionCookie('', null, secure(req)));
    return reply.status(204).send(null);
  });

  app.get('/auth/me', {
    schema: { summary: 'The signed-in user', tags: ['users'], response: { 200: UserSchema, ...errors(401) } },
  }, async (req) => requireUser(pool, req));

  app.post('/auth/password-reset', {
    schema: { summary: 'E-mail a password-reset link', tags: ['users'], body: Type.Object({ email: Type.String({ minLength: 3 }) }), response: { 202: Type.Object({ sent: Type.Boolean() }) } },
  }, async (req, reply) => {
    const user = await findUserByEmail(pool, req.body.email);
    if (user) {
      // The token carries a fingerprint of the current hash: once the password changes it is void.
      const token = signToken(await key(), { purpose: 'reset', exp: Date.now() + cfg.resetTtl, uid: user.id, fp: passwordFingerprint(user.passwordHash) });
      const url = link('/v1/auth/password-reset/confirm', token);
      await mailer.send({
        to: user.email,
        subject: 'Reset your Wick password',
        text: `Someone asked to reset the password of your Wick account. To choose a new one, POST {"token": "...", "password": "..."} to ${publicUrl().replace(/\/$/, '')}/v1/auth/password-reset/confirm with this token (valid for ${Math.round(cfg.resetTtl / 60_000)} min):\n\n${token}\n\nLink form: ${url}\n\nIf it was not you, ignore this message.`,
      });
    }
    return reply.status(202).send({ sent: true });
  });

  app.post('/auth/password-reset/confirm', {
    schema: { summary: 'Set a new password with the token from the reset e-mail (ends all sessions)', tags: ['users'], body: Type.Object({ token: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1, maxLength: 200 }) }), response: { 200: UserSchema, ...errors(400) } },
  }, async (req) => {
    const p = verifyToken<TokenPayload & { uid: number; fp: string }>(await key(), req.body.token, 'reset');
    if ('error' in p) throw badRequest('token', String(p.error));
    const user = await getUser(pool, p.uid);
    const full = user ? await findUserByEmail(pool, user.email) : null;
    if (!full || passwordFingerprint(full.passwordHash) !== p.fp) throw badRequest('token', 'this reset link was already used');
    await wrap(() => setPassword(pool, full.id, req.body.password));
    // Following the link proves the address too.
    await markVerified(pool, full.id);
    return { ...user!, emailVerified: true };
  });
};
