// What a firing looks like to a delivery channel.
export interface Notice {
  eventId: number;
  ruleId: number;
  ruleName: string;
  at: number;
  firedAt: number;
  value: number | null;
  message: string;
  details: Record<string, unknown>;
}

export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
