// Delivers queued firings: claims due deliveries (safe across processes: FOR UPDATE SKIP
// LOCKED plus a lease), sends them, and on failure retries with exponential backoff; a
// delivery that runs out of attempts moves to the dead-letter table with every error.
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import type { Mailer } from '../mail/mailer.js';
import { alertEmail } from './channels/email.js';
import type { Notice } from './channels/format.js';
import { post, webhookRequest } from './channels/webhook.js';

export interface DeliveryOptions {
  maxAttempts: number;
  /** First retry after this long; doubles each attempt up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  webhookTimeoutMs: number;
  /** Base URL for links in e-mails. */
  publicUrl: string;
  signingKey: () => Promise<string>;
  /** Group e-mails due together for one recipient into one message (the digest). */
  digest?: boolean;
  batch?: number;
}

interface Claimed {
  id: number; channel: string; target: string; options: Record<string, unknown>; attempts: number; errors: string[];
  event_id: number; rule_id: number; rule_name: string; at: Date; fired_at: Date; value: string | null; message: string; details: Record<string, unknown>;
}

export interface DeliveryResult { sent: number; failed: number; dead: number }

export async function deliverDue(pool: Pool, mailer: Mailer, log: Logger, o: DeliveryOptions): Promise<DeliveryResult> {
  const lease = o.webhookTimeoutMs + 60_000;
  const claimed = await pool.query<Claimed>(
    `WITH due AS (
       SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
       ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
     ), leased AS (
       UPDATE alert_deliveries d SET next_attempt_at = now() + make_interval(secs => $2 / 1000.0)
       FROM due WHERE d.id = due.id RETURNING d.*
     )
     SELECT l.id, l.channel, l.target, l.options, l.attempts, l.errors, e.id AS event_id, e.rule_id, r.name AS rule_name,
            e.at, e.fired_at, e.value::text AS value, e.message, e.details
     FROM leased l JOIN alert_events e ON e.id = l.event_id JOIN alert_rules r ON r.id = e.rule_id
     ORDER BY l.id`,
    [o.batch ?? 100, lease],
  );
  const result: DeliveryResult = { sent: 0, failed: 0, dead: 0 };
  if (claimed.rows.length === 0) return result;
  const notice = (c: Claimed): Notice => ({ eventId: Number(c.event_id), ruleId: Number(c.rule_id), ruleName: c.rule_name, at: c.at.getTime(), firedAt: c.fired_at.getTime(), value: c.value === null ? null : Number(c.value), message: c.message, details: c.details });

  // With a digest window, e-mails due together for one recipient go out as one message.
  const units: Claimed[][] = [];
  const byRecipient = new Map<string, Claimed[]>();
  for (const c of claimed.rows) {
    if (c.channel === 'email' && o.digest) {
      const k = c.target.toLowerCase();
      if (!byRecipient.has(k)) units.push(byRecipient.set(k, []).get(k)!);
      byRecipient.get(k)!.push(c);
    } else {
      units.push([c]);
    }
  }
  await Promise.all(units.map(async (unit) => {
    const first = unit[0];
    try {
      if (first.channel === 'email') {
        await mailer.send(alertEmail(first.target, unit.map(notice), o.publicUrl, await o.signingKey()));
      } else {
        await post(webhookRequest(first.channel, first.target, first.options, notice(first)), o.webhookTimeoutMs);
      }
      await pool.query(`UPDATE alert_deliveries SET status = 'sent', sent_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [unit.map((c) => c.id)]);
      result.sent += unit.length;
    } catch (e) {
      const error = `${new Date().toISOString()} ${(e as Error).message}`;
      for (const c of unit) {
        const attempts = c.attempts + 1;
        if (attempts >= o.maxAttempts) {
          await pool.query(
            `WITH d AS (UPDATE alert_deliveries SET status = 'dead', attempts = $2, errors = errors || $3::jsonb WHERE id = $1 RETURNING *)
             INSERT INTO alert_dead_letters (delivery_id, event_id, channel, target, attempts, errors) SELECT id, event_id, channel, target, attempts, errors FROM d`,
            [c.id, attempts, JSON.stringify([error])],
          );
          result.dead++;
          log.warn({ delivery: c.id, channel: c.channel, target: redactTarget(c.channel, c.target), attempts, err: (e as Error).message }, 'alert delivery dead-lettered');
        } else {
          const wait = Math.min(o.maxBackoffMs, o.backoffMs * 2 ** (attempts - 1));
          await pool.query(`UPDATE alert_deliveries SET attempts = $2, errors = errors || $3::jsonb, next_attempt_at = now() + make_interval(secs => $4 / 1000.0) WHERE id = $1`, [c.id, attempts, JSON.stringify([error]), wait]);
          result.failed++;
          log.info({ delivery: c.id, channel: c.channel, attempts, retryInMs: wait, err: (e as Error).message }, 'alert delivery failed; will retry');
        }
      }
    }
  }));
  return result;
}

/** Chat webhook URLs carry their credentials in the path: log only the host. */
export function redactTarget(channel: string, target: string): string {
  if (channel === 'email') return target;
  try {
    return `${new URL(target).origin}/…`;
  } catch {
    return '(invalid url)';
  }
}
