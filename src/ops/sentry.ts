// Error reporting to Sentry when a DSN is configured (SENTRY_DSN or ops.sentry.dsn). The SDK
// is loaded only then, so a Wick without Sentry pays nothing for it.
import type { Logger } from 'pino';
import { VERSION } from '../version.js';
import type { OpsConfig } from './config.js';

type SentryModule = typeof import('@sentry/node');
let sentry: SentryModule | null = null;

export async function initSentry(cfg: OpsConfig['sentry'], log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const dsn = env.SENTRY_DSN || cfg.dsn;
  if (!dsn || sentry) return Boolean(sentry);
  const mod = await import('@sentry/node');
  mod.init({
    dsn,
    release: env.SENTRY_RELEASE || `wick@${VERSION}`,
    environment: cfg.environment ?? env.SENTRY_ENVIRONMENT ?? env.NODE_ENV ?? 'production',
    tracesSampleRate: cfg.tracesSampleRate,
    // Wick's own logs and shutdown handle these; Sentry only reports.
    integrations: (defaults) => defaults.filter((i) => i.name !== 'OnUncaughtException' && i.name !== 'OnUnhandledRejection'),
  });
  sentry = mod;
  log.info({ environment: cfg.environment ?? env.SENTRY_ENVIRONMENT ?? env.NODE_ENV ?? 'production' }, 'error reporting to Sentry is on');
  return true;
}

export function reportError(err: unknown, context: Record<string, unknown> = {}): void {
  sentry?.captureException(err, { extra: context });
}

export async function flushSentry(timeoutMs = 2000): Promise<void> {
  await sentry?.flush(timeoutMs);
}
