// Secrets hidden when the configuration is printed (`wick config`): every section that can
// hold one is listed here, so there is one place to add the next.
import type { WickConfig } from '../config/schema.js';
import { redactUrl } from '../db/index.js';

const hide = <T>(v: T | undefined): T | string | undefined => (v ? '***' : v);

export function redactSecrets(c: WickConfig): Record<string, unknown> {
  const s3 = c.backup.s3;
  return {
    ...c,
    database: { ...c.database, url: c.database.url ? redactUrl(c.database.url) : undefined },
    auth: { ...c.auth, adminToken: hide(c.auth.adminToken) },
    backup: { ...c.backup, s3: s3 && { ...s3, accessKeyId: hide(s3.accessKeyId), secretAccessKey: hide(s3.secretAccessKey) } },
    ops: { ...c.ops, sentry: { ...c.ops.sentry, dsn: hide(c.ops.sentry.dsn) } },
    realtime: { ...c.realtime, redisUrl: c.realtime.redisUrl ? redactUrl(c.realtime.redisUrl) : undefined },
    mail: { ...c.mail, smtp: c.mail.smtp ? redactUrl(c.mail.smtp) : undefined },
    users: { ...c.users, secret: hide(c.users.secret) },
    alerts: { ...c.alerts, rules: c.alerts.rules.map((r) => ({ ...r, channels: r.channels.map((ch) => ('secret' in ch ? { ...ch, secret: '***' } : ch)) })) },
    // http source headers, subgraph API keys and RPC URLs (…/v2/<key>) usually carry API keys.
    sources: c.sources.map((s) => {
      if (s.type === 'http') return { ...s, headers: Object.fromEntries(Object.keys(s.headers).map((k) => [k, '***'])) };
      if (s.type === 'subgraph') return { ...s, apiKey: hide(s.apiKey), url: s.url.replace(/\/api\/[^/]+\/subgraphs/, '/api/***/subgraphs') };
      if (s.type === 'evm') return { ...s, chain: { ...s.chain, rpc: s.chain.rpc.map((u) => redactUrl(u).replace(/^(https?:\/\/[^/]+)\/.+$/, '$1/***')) } };
      return s;
    }),
  };
}
