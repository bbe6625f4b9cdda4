// Validation against CoinGecko's official OpenAPI document (read from ../shared/specs at test
// time, never copied). OpenAPI 3.0's `nullable` becomes JSON Schema's null type; by Wick's
// rule any field it cannot know is null, so every property also admits null — types,
// required fields and structure are still enforced for everything Wick does send.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { FIXTURES } from './fixtures.js';

type Schema = Record<string, unknown>;
const doc = JSON.parse(readFileSync(resolve(FIXTURES, '../specs/coingecko-demo-api.json'), 'utf8')) as { paths: Record<string, { get: { responses: Record<string, { content?: Record<string, { schema: Schema }> }> } }>; components: { schemas: Record<string, Schema> } };

function convert(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(convert);
  if (!s || typeof s !== 'object') return s;
  const o = s as Schema;
  if (typeof o.$ref === 'string') return convert(doc.components.schemas[o.$ref.split('/').pop()!]);
  const out: Schema = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'nullable' || k === 'example' || k === 'examples' || k === 'description') continue;
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, { anyOf: [convert(ps), { type: 'null' }] }]));
    else if (k === 'items' || k === 'additionalProperties') out[k] = typeof v === 'object' ? convert(v) : v;
    else out[k] = convert(v);
  }
  return o.nullable ? { anyOf: [out, { type: 'null' }] } : out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const cache = new Map<string, ReturnType<Ajv['compile']>>();

/** Validates `body` against the 200 response schema of `path` (a spec path like /coins/{id}); returns the errors. */
export function specErrors(path: string, body: unknown): string[] {
  let v = cache.get(path);
  if (!v) {
    const schema = doc.paths[path]?.get.responses['200'].content?.['application/json'].schema;
    if (!schema) throw new Error(`no 200 schema for ${path} in the CoinGecko spec`);
    v = ajv.compile(convert(schema) as Schema);
    cache.set(path, v);
  }
  return v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

export const specPaths = () => Object.keys(doc.paths);
