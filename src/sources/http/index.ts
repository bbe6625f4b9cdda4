// The generic `http` source: any JSON API mapped to metric series. For each item (a
// contract, a wallet, a pair) it fills the URL template, follows the pagination, and maps
// rows to points with simple JSON paths. Every request goes through the provider gate
// (its own budget); timeouts, 5xx, malformed JSON and responses of the wrong shape fail the
// run so the job retries it, and 429/418 pause the provider (Retry-After honoured).
import { toDecimalString } from '../../domain/decimal.js';
import { deadline } from '../../domain/deadline.js';
import type { MetricPoint } from '../../domain/types.js';
import { parseTime } from '../../config/units.js';
import { RateLimitedError, parseRetryAfter } from '../../budgets/errors.js';
import type { Batch, Cursor, FetchContext, Source, SourceBudget, SourceTask } from '../types.js';
import type { HttpConfig } from './config.js';
import { rowsAt, select } from './jsonpath.js';

type Vars = Record<string, string>;

/** A response that is not what the config says it is (retryable: providers have bad moments). */
export class ResponseShapeError extends Error {}

export class HttpSource implements Source {
  readonly type = 'http';
  readonly venueKind = 'exchange' as const;
  readonly id: string;
  readonly venue: string;
  readonly provider: string;

  constructor(private readonly cfg: HttpConfig) {
    this.id = cfg.id;
    this.venue = cfg.id;
    this.provider = cfg.provider ?? cfg.id;
  }

  async tasks(): Promise<SourceTask[]> {
    return [{ kind: 'metrics', every: this.cfg.every }];
  }

  async discoverMarkets(): Promise<[]> {
    return [];
  }

  budget(): SourceBudget {
    const perRequest = this.cfg.cost * (this.cfg.pagination?.expectedPages ?? 1);
    return this.cfg.items.length === 0
      ? { provider: this.provider, perRun: perRequest, perItem: 0, items: null }
      : { provider: this.provider, perRun: 0, perItem: perRequest, items: this.cfg.items.map((i) => this.keyOf(i)) };
  }

  private keyOf(item: HttpConfig['items'][number]): string {
    return typeof item === 'string' ? item : String(item[this.cfg.itemKey]);
  }

  private varsOf(item: HttpConfig['items'][number]): Vars {
    if (typeof item === 'string') return { [this.cfg.itemKey]: item };
    return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, String(v)]));
  }

  async *fetchMetrics(_cursor: Cursor | null, ctx: FetchContext): AsyncIterable<Batch<MetricPoint>> {
    const items = this.cfg.items.length ? this.cfg.items : [null];
    for (const item of items) {
      if (ctx.signal.aborted) return;
      const key = item === null ? null : this.keyOf(item);
      if (key !== null && ctx.only && !ctx.only.includes(key)) continue;
      const vars = item === null ? {} : this.varsOf(item);
      const points: MetricPoint[] = [];
      for await (const page of this.pages(vars, ctx)) points.push(...this.map(page, vars));
      // One batch per item: an item's points are stored once all its pages were read.
      yield { items: points, cursor: { item: key, at: Date.now() } };
    }
  }

  private async *pages(vars: Vars, ctx: FetchContext): AsyncIterable<unknown> {
    const p = this.cfg.pagination;
    const base = fill(this.cfg.url, vars, encodeURIComponent);
    if (!p) {
      yield await this.request(base, vars, ctx);
      return;
    }
    let cursor: string | null = null;
    for (let n = 0; n < p.maxPages; n++) {
      const url = new URL(base);
      if (p.type === 'cursor' && cursor !== null) url.searchParams.set(p.param, cursor);
      if (p.type === 'page') {
        url.searchParams.set(p.param, String(p.start + n));
        if (p.sizeParam && p.size) url.searchParams.set(p.sizeParam, String(p.size));
      }
      if (p.type === 'offset') {
        url.searchParams.set(p.param, String(n * p.limit));
        url.searchParams.set(p.limitParam, String(p.limit));
      }
      const body = await this.request(url.toString(), vars, ctx);
      yield body;
      if (p.type === 'cursor') {
        const next = select(body, p.path)[0];
        if (next === undefined || next === null || next === '') return;
        cursor = String(next);
      } else {
        const rowsPath = p.rows ?? this.cfg.metrics.find((m) => m.each)?.each;
        if (!rowsPath) return;
        const rows = rowsAt(body, rowsPath) ?? [];
        const full = p.type === 'offset' ? p.limit : p.size;
        if (rows.length === 0 || (full !== undefined && rows.length < full)) return;
      }
    }
    ctx.log.warn({ source: this.id, maxPages: p.maxPages }, 'stopped at maxPages; raise pagination.maxPages if the provider has more');
  }

  private request(url: string, vars: Vars, ctx: FetchContext): Promise<unknown> {
    const shown = url.split('?')[0]; // the query may carry an API key
    return ctx.call(this.provider, this.cfg.cost, async () => {
      const limit = deadline(ctx.signal, this.cfg.timeout);
      const signal = limit.signal;
      const headers: Record<string, string> = { accept: 'application/json', ...Object.fromEntries(Object.entries(this.cfg.headers).map(([k, v]) => [k, fill(v, vars)])) };
      let body: string | undefined;
      if (this.cfg.method === 'POST' && this.cfg.body !== undefined) {
        body = JSON.stringify(fillDeep(this.cfg.body, vars));
        headers['content-type'] = 'application/json';
      }
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, { method: this.cfg.method, headers, body, signal });
        text = await res.text();
        limit.done();
      } catch (e) {
        limit.done();
        if (ctx.signal.aborted) throw e;
        const timedOut = limit.expired;
        throw new Error(timedOut ? `${shown}: no answer within ${this.cfg.timeout} ms` : `${shown}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause?: Error }).cause!.message})` : ''}`);
      }
      if (res.status === 429 || res.status === 418) throw new RateLimitedError(`${shown}: HTTP ${res.status}`, res.status, parseRetryAfter(res.headers.get('retry-after')));
      if (!res.ok) throw new Error(`${shown}: HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        throw new ResponseShapeError(`${shown}: malformed JSON (${(e as Error).message}; ${text.length} bytes)`);
      }
    });
  }

  private map(body: unknown, vars: Vars): MetricPoint[] {
    const out: MetricPoint[] = [];
    const now = Date.now();
    for (const [i, m] of this.cfg.metrics.entries()) {
      const rows = m.each ? rowsAt(body, m.each) : [body];
      if (rows === null) throw new ResponseShapeError(`unexpected response shape: metrics[${i}].each "${m.each}" is not an array in the response`);
      rows.forEach((row, r) => {
        const where = `metrics[${i}] (${m.name})${m.each ? ` row ${r}` : ''}`;
        const raw = pick(row, body, m.value);
        if (raw === undefined || raw === null) {
          if (m.optional) return;
          throw new ResponseShapeError(`unexpected response shape: ${where}: no value at "${m.value}"`);
        }
        let value: string;
        try {
          value = toDecimalString(raw, m.name);
        } catch {
          throw new ResponseShapeError(`unexpected response shape: ${where}: "${m.value}" is ${JSON.stringify(raw).slice(0, 60)}, not a number`);
        }
        let ts = now;
        if (m.time) {
          const t = pick(row, body, m.time);
          const parsed = typeof t === 'number' ? (t < 1e11 ? Math.round(t * 1000) : t) : typeof t === 'string' ? parseTime(t) : null;
          if (parsed === null || parsed === undefined) throw new ResponseShapeError(`unexpected response shape: ${where}: "${m.time}" is not a time (${JSON.stringify(t)})`);
          ts = parsed;
        }
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.labels)) {
          if (v.startsWith('$')) {
            const path = v.startsWith('$.') ? v : v.slice(1);
            const l = pick(row, body, path);
            if (l === undefined || l === null) throw new ResponseShapeError(`unexpected response shape: ${where}: label ${k}: nothing at "${path}"`);
            labels[k] = String(l);
          } else labels[k] = fill(v, vars);
        }
        out.push({ name: m.name, labels, ts, value });
      });
    }
    return out;
  }
}

/** A path in a row; "$.…" paths start at the response's root instead (e.g. a page-level timestamp). */
function pick(row: unknown, body: unknown, path: string): unknown {
  return path.startsWith('$.') ? select(body, path.slice(2))[0] : select(row, path)[0];
}

function fill(template: string, vars: Vars, encode: (s: string) => string = (s) => s): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, k: string) => (k in vars ? encode(vars[k]) : all));
}

function fillDeep(v: unknown, vars: Vars): unknown {
  if (typeof v === 'string') return fill(v, vars);
  if (Array.isArray(v)) return v.map((x) => fillDeep(x, vars));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillDeep(x, vars)]));
  return v;
}
