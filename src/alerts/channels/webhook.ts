// Webhook deliveries. Plain webhooks get the firing as JSON, signed:
//   X-Wick-Timestamp: <unix seconds>
//   X-Wick-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
// so a receiver can check the body is Wick's and reject stale timestamps (replays).
// Slack, Discord and Telegram get their own message formats.
import { createHmac } from 'node:crypto';
import { iso, type Notice } from './format.js';

export function signBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface HttpDelivery { url: string; headers: Record<string, string>; body: string }

export function webhookRequest(channel: string, url: string, options: Record<string, unknown>, n: Notice, now = Date.now()): HttpDelivery {
  const json = { 'content-type': 'application/json', 'user-agent': 'wick-alerts' };
  const line = `${n.message} (at ${iso(n.at)})`;
  switch (channel) {
    case 'webhook': {
      const body = JSON.stringify({ type: 'alert', event: { id: n.eventId, ruleId: n.ruleId, rule: n.ruleName, at: n.at, firedAt: n.firedAt, value: n.value, message: n.message, details: n.details } });
      const ts = Math.floor(now / 1000);
      return { url, body, headers: { ...json, 'x-wick-timestamp': String(ts), 'x-wick-signature': signBody(String(options.secret), ts, body) } };
    }
    case 'slack':
      return { url, headers: json, body: JSON.stringify({ text: `:rotating_light: ${line}` }) };
    case 'discord':
      return { url, headers: json, body: JSON.stringify({ content: `🚨 ${line}`.slice(0, 2000) }) };
    case 'telegram':
      return { url, headers: json, body: JSON.stringify({ chat_id: options.chatId, text: `🚨 ${line}` }) };
    default:
      throw new Error(`unknown delivery channel "${channel}"`);
  }
}

/** Sends one request; throws on a non-2xx answer, a network error or the timeout. */
export async function post(d: HttpDelivery, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(d.url, { method: 'POST', headers: d.headers, body: d.body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (e) {
    const err = e as Error;
    throw new Error(err.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : `request failed: ${err.message}${(err.cause as Error | undefined)?.message ? ` (${(err.cause as Error).message})` : ''}`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new Error(`HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
}
