// Admin API for API keys: the same operations as `wick keys`. Needs an admin-scope key.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createApiKey, listApiKeys, parseQuota, parseRate, revokeApiKey, type Scope } from '../../../auth/api-keys.js';
import type { ApiContext } from '../../app.js';
import { badRequest, notFound } from '../../errors.js';
import { credentialSecurity } from '../../schemas.js';

const ScopeSchema = Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')]);

const Key = Type.Object({
  id: Type.Integer(),
  name: Type.Union([Type.String(), Type.Null()]),
  prefix: Type.String({ description: 'first characters of the key, to recognise it' }),
  scope: ScopeSchema,
  rate_limit: Type.Union([Type.Integer(), Type.Null()]),
  rate_window_s: Type.Integer(),
  monthly_quota: Type.Union([Type.Integer(), Type.Null()]),
  used_this_month: Type.Integer(),
  created_at: Type.String(),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
});

export const adminKeyRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/keys', {
    schema: {
      summary: 'List API keys', tags: ['admin'], security: credentialSecurity,
      querystring: Type.Object({ all: Type.Optional(Type.Boolean({ description: 'include revoked keys' })) }),
      response: { 200: Type.Array(Key) },
    },
  }, async (req) => listApiKeys(ctx.pool, { includeRevoked: req.query.all ?? false }));

  app.post('/keys', {
    schema: {
      summary: 'Create an API key (the response is the only time its secret is shown)', tags: ['admin'], security: credentialSecurity,
      body: Type.Object({
        scope: ScopeSchema,
        name: Type.Optional(Type.String({ maxLength: 200 })),
        rate: Type.Optional(Type.String({ maxLength: 40, description: 'e.g. 30/min' })),
        quota: Type.Optional(Type.String({ maxLength: 40, description: 'e.g. 10000/month' })),
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ key: Type.String(), info: Key }) },
    },
  }, async (req, reply) => {
    const { scope, name, rate, quota } = req.body;
    try {
      if (rate) parseRate(rate);
    } catch (e) { throw badRequest('rate', (e as Error).message); }
    try {
      if (quota) parseQuota(quota);
    } catch (e) { throw badRequest('quota', (e as Error).message); }
    const created = await createApiKey(ctx.pool, { scope: scope as Scope, name, rate, quota });
    return reply.status(201).send(created);
  });

  app.delete('/keys/:id', {
    schema: {
      summary: 'Revoke an API key', tags: ['admin'], security: credentialSecurity,
      params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
      response: { 200: Key },
    },
  }, async (req) => {
    if (!(await revokeApiKey(ctx.pool, req.params.id))) throw notFound(`no active API key with id ${req.params.id}`);
    return (await listApiKeys(ctx.pool, { id: req.params.id }))[0];
  });
};
