// HTTP caching for read routes: a strong ETag over the response bytes (304 when the client
// has them), Cache-Control with a short max-age and stale-while-revalidate, so clients and
// proxies can keep serving a result while the next one is fetched.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

export function cacheHeaders(app: FastifyInstance, maxAgeSeconds: number): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method !== 'GET' || reply.statusCode !== 200 || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;
    const etag = `"${createHash('sha1').update(payload).digest('base64url')}"`;
    reply.header('etag', etag);
    reply.header('cache-control', `public, max-age=${maxAgeSeconds}, stale-while-revalidate=${maxAgeSeconds * 5}`);
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
      reply.code(304);
      return '';
    }
    return payload;
  });
}
