// The typed API client: paths and shapes come from Wick's OpenAPI document
// (schema.d.ts, `npm run web:api-types`), so a changed API breaks `npm run typecheck`.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };
export type Schemas = components['schemas'];

/** An error answer of the API (its JSON `message` names what was wrong). */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly field?: string) {
    super(message);
  }
}

type Listener = (down: boolean) => void;
const listeners = new Set<Listener>();
let down = false;

/** Whether the API could not be reached by the last request; components subscribe for the banner. */
export const connection = {
  get down() {
    return down;
  },
  set(v: boolean) {
    if (v === down) return;
    down = v;
    for (const l of listeners) l(v);
  },
  subscribe(l: Listener) {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

const tracker: Middleware = {
  onResponse({ response }) {
    // A proxy in front of a stopped Wick answers 502/504: that is "unreachable" too.
    connection.set(response.status === 502 || response.status === 504);
  },
  onError() {
    connection.set(true);
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(tracker);

/** Unwraps an openapi-fetch result: the data, or an ApiError with the server's message. */
export async function call<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let r: Awaited<typeof p>;
  try {
    r = await p;
  } catch (e) {
    throw new ApiError(0, `Cannot reach the Wick API (${(e as Error).message}).`);
  }
  if (r.error !== undefined || !r.response.ok) {
    const e = (r.error ?? {}) as { message?: string; field?: string };
    throw new ApiError(r.response.status, e.message ?? `${r.response.status} ${r.response.statusText}`, e.field);
  }
  return r.data as T;
}
