// Alerts in a running Wick: listens to the bus to learn which series changed, and defines
// the two background jobs (evaluate, deliver). Evaluation is triggered by data events but
// runs in the job, so ingest never waits for rules, e-mail or webhooks.
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import type { JobDefinition } from '../jobs/types.js';
import type { Mailer } from '../mail/mailer.js';
import type { EventBus } from '../realtime/bus.js';
import type { AlertsConfig } from './config.js';
import { deliverDue } from './delivery.js';
import { evaluateRules } from './evaluator.js';

export class AlertEngine {
  private dirty = new Set<string>();
  private everything = true;
  private lastStale = 0;
  private readonly detach: () => void;

  constructor(
    private readonly pool: Pool,
    private readonly bus: EventBus,
    private readonly mailer: Mailer,
    private readonly cfg: AlertsConfig,
    private readonly log: Logger,
    private readonly publicUrl: () => string,
    private readonly signingKey: () => Promise<string>,
  ) {
    this.detach = bus.subscribe((e) => {
      if (e.channel !== 'alerts' && e.channel !== 'jobs') this.dirty.add(e.channel);
    });
  }

  /** Evaluates rules whose series changed since the last run (all rules on the first run), and stale rules when due. */
  async evaluate(now = Date.now()) {
    const staleDue = now - this.lastStale >= this.cfg.staleEvery;
    if (!this.everything && this.dirty.size === 0 && !staleDue) return null;
    const channels = this.everything ? null : this.dirty;
    this.dirty = new Set();
    this.everything = false;
    if (staleDue) this.lastStale = now;
    return evaluateRules(this.pool, this.log, this.bus, { now, channels, includeStale: staleDue, maxCatchUp: this.cfg.maxCatchUp, digestMs: this.cfg.emailDigest ?? 0 });
  }

  deliver() {
    const d = this.cfg.delivery;
    return deliverDue(this.pool, this.mailer, this.log, {
      maxAttempts: d.maxAttempts, backoffMs: d.backoff, maxBackoffMs: d.maxBackoff, webhookTimeoutMs: d.webhookTimeout,
      publicUrl: this.publicUrl(), signingKey: this.signingKey, digest: (this.cfg.emailDigest ?? 0) > 0,
    });
  }

  jobs(): JobDefinition[] {
    return [
      {
        name: 'alerts:evaluate',
        description: 'evaluate alert rules over data written since the last run',
        schedule: { every: this.cfg.evaluateEvery },
        priority: 5,
        run: async () => {
          const r = await this.evaluate();
          return { rows: r?.fired.length ?? 0, errors: [], failed: false };
        },
      },
      {
        name: 'alerts:deliver',
        description: 'send queued alert e-mails and webhooks (retries, dead letters)',
        schedule: { every: this.cfg.delivery.every },
        priority: 5,
        run: async () => {
          const r = await this.deliver();
          return { rows: r.sent, errors: [], failed: false };
        },
      },
    ];
  }

  close(): void {
    this.detach();
  }
}
