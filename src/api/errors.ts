// Every error leaves the API as JSON naming what was wrong: 4xx for bad input (never a 500
// or a stack trace), 5xx only for Wick's own failures, which are logged, not echoed.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable, isPoolExhausted } from '../db/pool.js';

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly field?: string) {
    super(message);
  }
}

export const badRequest = (field: string, message: string) => new HttpError(400, `${field}: ${message}`, field);
export const notFound = (message: string) => new HttpError(404, message);

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

export function errorBody(statusCode: number, message: string, field?: string) {
  return { statusCode, error: STATUS_TEXT[statusCode] ?? 'Error', message, ...(field ? { field } : {}) };
}

interface ValidationItem { instancePath?: string; message?: string; params?: Record<string, unknown>; keyword?: string }

/** "querystring/limit must be <= 5000" → field "limit", message "limit: must be <= 5000". */
function describeValidation(err: FastifyError): { field?: string; message: string } {
  const first = (err.validation?.[0] ?? {}) as ValidationItem;
  const params = first.params ?? {};
  const path = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const field = (params.missingProperty as string | undefined) ?? (params.additionalProperty as string | undefined) ?? (path || undefined);
  let message = first.message ?? err.message;
  if (first.keyword === 'enum' && Array.isArray(params.allowedValues)) message = `must be one of ${params.allowedValues.join(', ')}`;
  if (first.keyword === 'required') message = 'is required';
  const where = err.validationContext && err.validationContext !== 'querystring' && err.validationContext !== 'params' ? ` (in ${err.validationContext})` : '';
  return { field, message: `${field ?? err.validationContext ?? 'request'}: ${message}${where}` };
}

/** `fallback` may answer a request no route matched (e.g. the dashboard's client-side routes); false = 404. */
export function installErrorHandling(app: FastifyInstance, fallback?: (req: FastifyRequest, reply: FastifyReply) => boolean): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) return reply.status(err.statusCode).send(errorBody(err.statusCode, err.message, err.field));
    if (err.validation) {
      const { field, message } = describeValidation(err);
      return reply.status(400).send(errorBody(400, message, field));
    }
    // No free database connection in time: tell the client to come back rather than queueing.
    if (isPoolExhausted(err)) return reply.status(503).header('retry-after', '1').send(errorBody(503, 'the server is busy (no free database connection); retry shortly'));
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err: err.message }, 'database unavailable');
      return reply.status(503).header('retry-after', '2').send(errorBody(503, 'the database is unavailable; retry shortly'));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.status(status).send(errorBody(status, err.message));
    req.log.error({ err }, 'request failed');
    return reply.status(status >= 500 ? status : 500).send(errorBody(status >= 500 ? status : 500, 'internal error; the server log has the details'));
  });
  app.setNotFoundHandler((req, reply) => {
    if (fallback?.(req, reply)) return reply;
    reply.status(404).send(errorBody(404, `no route ${req.method} ${req.url.split('?')[0]}`));
  });
}
