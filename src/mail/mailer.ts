// Outgoing e-mail over SMTP (nodemailer). With no SMTP server configured, messages are
// written to the log instead (the first-run flow: the verification link shows up in the
// console), so sign-up works on a fresh install.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { z } from 'zod';

export const mailConfigSchema = z.strictObject({
  /** smtp://user:pass@host:port or smtps://…; absent: mails are printed to the log. */
  smtp: z.string().min(1).optional(),
  from: z.string().min(3).default('Wick <wick@localhost>'),
  /** Base URL used in links inside e-mails (verify, reset, unsubscribe); default: the API's address. */
  publicUrl: z.string().url().optional(),
});
export type MailConfig = z.output<typeof mailConfigSchema>;

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
}

export class Mailer {
  private readonly transport: Transporter | null;

  constructor(private readonly cfg: MailConfig, private readonly log: Logger) {
    this.transport = cfg.smtp ? nodemailer.createTransport(cfg.smtp) : null;
  }

  get configured(): boolean {
    return this.transport !== null;
  }

  /** Sends one message; throws when the SMTP server refuses it (callers retry). */
  async send(m: MailMessage): Promise<void> {
    if (!this.transport) {
      this.log.info({ to: m.to, subject: m.subject }, `e-mail (no SMTP server configured, printed instead):\nTo: ${m.to}\nSubject: ${m.subject}\n\n${m.text}\n`);
      return;
    }
    await this.transport.sendMail({ from: this.cfg.from, to: m.to, subject: m.subject, text: m.text, html: m.html, headers: m.headers });
  }

  close(): void {
    this.transport?.close();
  }
}
