// Alert e-mails: one message per recipient for everything due (a single firing, or a
// digest of the window's firings), HTML and plain text, each rule with a signed
// unsubscribe link (also in the List-Unsubscribe header).
import type { MailMessage } from '../../mail/mailer.js';
import { signToken } from '../../auth/tokens.js';
import { escapeHtml, iso, type Notice } from './format.js';

const UNSUBSCRIBE_TTL_MS = 365 * 86_400_000;

export function unsubscribeUrl(publicUrl: string, key: string, ruleId: number, email: string): string {
  const token = signToken(key, { purpose: 'unsubscribe', exp: Date.now() + UNSUBSCRIBE_TTL_MS, rule: ruleId, email });
  return `${publicUrl.replace(/\/$/, '')}/v1/alerts/unsubscribe?token=${encodeURIComponent(token)}`;
}

export function alertEmail(to: string, unordered: Notice[], publicUrl: string, key: string): MailMessage {
  const notices = [...unordered].sort((a, b) => a.at - b.at || a.eventId - b.eventId);
  const subject = notices.length === 1 ? `[Wick alert] ${notices[0].message}` : `[Wick alerts] ${notices.length} alerts: ${[...new Set(notices.map((n) => n.ruleName))].join(', ')}`;
  const rules = [...new Map(notices.map((n) => [n.ruleId, n.ruleName])).entries()];
  const links = new Map(rules.map(([id]) => [id, unsubscribeUrl(publicUrl, key, id, to)]));
  const text = [
    ...notices.map((n) => `${n.message}\n  rule: ${n.ruleName} (#${n.ruleId})\n  value: ${n.value ?? 'n/a'}\n  at: ${iso(n.at)}\n`),
    '',
    ...rules.map(([id, name]) => `Stop e-mails for "${name}": ${links.get(id)}`),
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<h2>${notices.length === 1 ? 'Wick alert' : `${notices.length} Wick alerts`}</h2>
<table cellpadding="6" style="border-collapse:collapse">
<tr><th align="left">Rule</th><th align="left">What happened</th><th align="right">Value</th><th align="left">At (UTC)</th></tr>
${notices.map((n) => `<tr><td>${escapeHtml(n.ruleName)}</td><td>${escapeHtml(n.message)}</td><td align="right">${n.value ?? 'n/a'}</td><td>${iso(n.at)}</td></tr>`).join('\n')}
</table>
<p style="color:#666;font-size:small">${rules.map(([id, name]) => `<a href="${escapeHtml(links.get(id)!)}">Unsubscribe from “${escapeHtml(name)}”</a>`).join(' · ')}</p>
</body></html>`;
  return { to, subject: subject.length > 200 ? `${subject.slice(0, 197)}...` : subject, text, html, headers: { 'List-Unsubscribe': `<${links.get(rules[0][0])}>` } };
}
