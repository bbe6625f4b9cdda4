// Admin console API (the dashboard's /admin pages; admin session, admin key or admin token):
// users, provider budgets (used vs quota with a month-end projection) and a read-only data
// browser over every table (filter, sort, paginate). Secrets (password hashes, key hashes,
// session tokens) never leave the server.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { quotaPeriods, quotaUsage } from '../../../budgets/limiter.js';
import { quoteIdent, withTransaction } from '../../../db/pool.js';
import type { ApiContext } from '../../app.js';
import { badRequest, notFound } from '../../errors.js';
import { credentialSecurity, errors, Nullable } from '../../schemas.js';

const secured = { tags: ['admin'], security: credentialSecurity };

/** Columns whose values are secrets: shown as "••••". */
const SECRET_COLUMN = /(^|_)(password|hash|secret|token)(_|$)/i;
const SECRET_TABLE = /secret/i;
const MASK = '••••';
const HIDDEN_SCHEMAS = ['pg_catalog', 'information_schema'];

interface Column { name: string; type: string }
interface TableInfo { schema: string; name: string; rows: number; columns: Column[]; primary_key: string[] }

export async function listTables(pool: ApiContext['pool']): Promise<TableInfo[]> {
  const r = await pool.query<{ schema: string; name: string; rows: string; columns: Column[]; pk: string[] | null }>(
    `SELECT n.nspname AS schema, c.relname AS name, greatest(c.reltuples, s.n_live_tup, 0)::int8::text AS rows,
       (SELECT json_agg(json_build_object('name', a.attname::text, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)) FROM pg_index i
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname <> ALL($1) AND n.nspname NOT LIKE 'pg_toast%'
     ORDER BY n.nspname = 'public' DESC, n.nspname, c.relname`,
    [HIDDEN_SCHEMAS],
  );
  return r.rows.map((t) => ({ schema: t.schema, name: t.schema === 'public' ? t.name : `${t.schema}.${t.name}`, rows: Number(t.rows), columns: t.columns ?? [], primary_key: t.pk ?? [] }));
}


export const adminConsoleRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const { pool } = ctx;

  app.get('/users', {
    config: { scope: 'admin' },
    schema: {
      summary: 'User accounts with their sessions and alert rules', ...secured,
      response: {
        200: Type.Object({
          users: Type.Array(Type.Object({
            id: Type.Integer(), email: Type.String(), role: Type.String(), email_verified: Type.Boolean(), created_at: Type.Integer(),
            sessions: Type.Integer({ description: 'Active sessions' }), rules: Type.Integer({ description: 'Alert rules owned' }),
          })),
        }),
        ...errors(401, 403),
      },
    },
  }, async () => {
    const r = await pool.query(
      `SELECT u.id::int, u.email, u.role, u.email_verified_at IS NOT NULL AS email_verified, (extract(epoch FROM u.created_at) * 1000)::int8 AS created_at,
         (SELECT count(*)::int FROM user_sessions s WHERE s.user_id = u.id AND s.expires_at > now()) AS sessions,
         (SELECT count(*)::int FROM alert_rules r WHERE r.owner_id = u.id) AS rules
       FROM users u ORDER BY u.id`,
    );
    return { users: r.rows };
  });

  app.get('/budgets', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Provider budgets: quota used in the current day and month, and the month-end projection at the current pace', ...secured,
      response: {
        200: Type.Object({
          providers: Type.Array(Type.Object({
            provider: Type.String(),
            used_today: Type.Number(), quota_day: Nullable(Type.Number()),
            used_this_month: Type.Number(), quota_month: Nullable(Type.Number()),
            projected_month: Type.Number({ description: 'used this month ÷ elapsed share of the month' }),
            month_started_at: Type.Integer(), month_resets_at: Type.Integer(), hard: Type.Boolean(),
            rate_per_second: Nullable(Type.Number()), rate_per_minute: Nullable(Type.Number()),
          })),
        }),
        ...errors(401, 403),
      },
    },
  }, async () => {
    const now = new Date();
    const usage = await quotaUsage(pool, ctx.config.providers, now);
    const names = [...new Set([...Object.keys(ctx.config.providers), ...usage.keys()])].sort();
    return {
      providers: names.map((provider) => {
        const cfg = ctx.config.providers[provider];
        const u = usage.get(provider) ?? { day: 0, month: 0 };
        const month = quotaPeriods(now, cfg?.quota?.resetDay ?? 1).find((p) => p.period === 'month')!;
        const start = Date.parse(`${month.start}T00:00:00Z`);
        const end = month.resetsAt.getTime();
        const share = Math.max((now.getTime() - start) / (end - start), 1 / 1440);
        return {
          provider, used_today: u.day, quota_day: cfg?.quota?.perDay ?? null, used_this_month: u.month, quota_month: cfg?.quota?.perMonth ?? null,
          projected_month: Math.round(u.month / share), month_started_at: start, month_resets_at: end, hard: cfg?.quota?.hard ?? true,
          rate_per_second: cfg?.rate?.perSecond ?? null, rate_per_minute: cfg?.rate?.perMinute ?? null,
        };
      }),
    };
  });

  const TableSchema = Type.Object({
    name: Type.String(), schema: Type.String(), rows: Type.Integer({ description: 'Estimated row count (statistics)' }),
    columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })), primary_key: Type.Array(Type.String()),
  });

  app.get('/tables', {
    config: { scope: 'admin' },
    schema: { summary: 'Data browser: every table with its columns and estimated size', ...secured, response: { 200: Type.Object({ tables: Type.Array(TableSchema) }), ...errors(401, 403) } },
  }, async () => ({ tables: await listTables(pool) }));

  app.get('/tables/:table', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Data browser: rows of one table (read-only), filtered, sorted and paginated',
      description: 'Values are JSON (as Postgres to_jsonb gives them: times as ISO-8601, binary as hex, shortened). Secret columns (password, hash, token, secret) are masked.',
      ...secured,
      params: Type.Object({ table: Type.String({ description: 'Table name as listed by /v1/admin/tables' }) }),
      querystring: Type.Object({
        sort: Type.Optional(Type.String({ description: 'Column to sort by (default: the primary key)' })),
        order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
        column: Type.Optional(Type.String({ description: 'Column to filter on' })),
        q: Type.Optional(Type.String({ maxLength: 200, description: 'Filter text: rows whose column (as text) contains it; with no column, any column' })),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
        offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
      }),
      response: {
        200: Type.Object({
          table: TableSchema, total: Type.Integer({ description: 'Matching rows' }), limit: Type.Integer(), offset: Type.Integer(),
          rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
        }),
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (req) => {
    const q = req.query;
    const table = (await listTables(pool)).find((t) => t.name === req.params.table);
    if (!table) throw notFound(`no table "${req.params.table}" (GET /v1/admin/tables lists them)`);
    const names = table.columns.map((c) => c.name);
    const check = (field: string, col: string | undefined) => {
      if (col !== undefined && !names.includes(col)) throw badRequest(field, `"${col}" is not a column of ${table.name} (columns: ${names.join(', ')})`);
      return col;
    };
    const sort = check('sort', q.sort) ?? table.primary_key[0] ?? names[0];
    const column = check('column', q.column);
    const from = `${quoteIdent(table.schema)}.${quoteIdent(table.name.split('.').pop()!)}`;
    const args: unknown[] = [];
    let where = 'TRUE';
    if (q.q) {
      args.push(`%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      const searchable = (column ? [column] : names.filter((n) => !SECRET_COLUMN.test(n)));
      where = searchable.length ? `(${searchable.map((c) => `${quoteIdent(c)}::text ILIKE $1`).join(' OR ')})` : 'FALSE';
    }
    const order = `${quoteIdent(sort)} ${q.order === 'asc' ? 'ASC' : 'DESC'} NULLS LAST${table.primary_key.filter((k) => k !== sort).map((k) => `, ${quoteIdent(k)} ${q.order === 'asc' ? 'ASC' : 'DESC'}`).join('')}`;
    // Values through to_jsonb: one JSON type per column, whatever the SQL type.
    const select = table.columns.map((c) => `to_jsonb(${quoteIdent(c.name)}) AS ${quoteIdent(c.name)}`).join(', ');
    return withTransaction(pool, async (client) => {
      await client.query(`SET LOCAL statement_timeout = 10000`);
      const [rows, total] = [
        await client.query(`SELECT ${select} FROM ${from} WHERE ${where} ORDER BY ${order} LIMIT ${q.limit} OFFSET ${q.offset}`, args),
        q.q || table.rows < 1_000_000 ? Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${from} WHERE ${where}`, args)).rows[0].n) : table.rows,
      ];
      return {
        table, total, limit: q.limit, offset: q.offset,
        rows: rows.rows.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (SECRET_COLUMN.test(k) || (SECRET_TABLE.test(table.name) && k === 'value')) && v !== null ? MASK : display(v)]))),
      };
    }, 'BEGIN READ ONLY');
  });
};

/** JSON values as they came from to_jsonb, with binary shortened and secrets inside JSON masked (webhook secrets). */
function display(v: unknown): unknown {
  if (typeof v === 'string' && v.startsWith('\\x') && v.length > 130) return `${v.slice(0, 130)}… (${(v.length - 2) / 2} bytes)`;
  if (Array.isArray(v)) return v.map(display);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_COLUMN.test(k) && x !== null ? MASK : display(x)]));
  return v;
}
