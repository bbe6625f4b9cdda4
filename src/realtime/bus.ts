// The event bus of one process. Publishing sends events through the transport (so every
// process, this one included, receives them in the same order); receiving numbers them,
// keeps a short replay window for SSE Last-Event-ID resumption, and hands them to local
// listeners (the stream hub, the alert trigger).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { NumberedEvent, WickEvent } from './events.js';
import type { Transport } from './transport.js';

export type Listener = (event: NumberedEvent) => void;

export interface BusOptions {
  /** How long received events stay available for resumption, ms. */
  replayWindowMs: number;
  /** Upper bound on events kept for resumption, whatever their age. */
  replayMaxEvents: number;
}

export class EventBus {
  /** Ids are "<boot>-<seq>": a client resuming against another process (or after a restart) is told so. */
  readonly boot = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly listeners = new Set<Listener>();
  private readonly recent: Array<{ at: number; event: NumberedEvent }> = [];
  private head = 0;
  private started = false;

  constructor(private readonly transport: Transport | null, private readonly log: Logger, private readonly opts: BusOptions = { replayWindowMs: 300_000, replayMaxEvents: 50_000 }) {}

  get transportName(): string {
    return this.transport?.name ?? 'local';
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.transport?.listen((events) => this.receive(events));
  }

  /** Publishes to every process. Resolves once the transport accepted the events. */
  async publish(events: WickEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.transport) await this.transport.send(events);
    else this.receive(events);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private receive(events: WickEvent[]): void {
    const now = Date.now();
    for (const e of events) {
      const event: NumberedEvent = { ...e, id: `${this.boot}-${++this.seq}` };
      this.recent.push({ at: now, event });
      for (const l of this.listeners) {
        try {
          l(event);
        } catch (err) {
          this.log.error({ err: (err as Error).message }, 'event listener failed');
        }
      }
    }
    this.trim(now);
  }

  private trim(now: number): void {
    let drop = 0;
    const live = this.recent.length - this.head;
    while (this.head + drop < this.recent.length && (now - this.recent[this.head + drop].at > this.opts.replayWindowMs || live - drop > this.opts.replayMaxEvents)) drop++;
    this.head += drop;
    // Compact occasionally instead of shifting on every event.
    if (this.head > 1024 && this.head * 2 > this.recent.length) {
      this.recent.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * Events after `lastId` still in the window, or null when resumption is impossible
   * (unknown process, or the event already left the window).
   */
  since(lastId: string): NumberedEvent[] | null {
    const m = /^([0-9a-f]+)-(\d+)$/.exec(lastId);
    if (!m || m[1] !== this.boot) return null;
    const seq = Number(m[2]);
    this.trim(Date.now());
    const first = this.head < this.recent.length ? Number(this.recent[this.head].event.id.split('-')[1]) : this.seq + 1;
    if (seq + 1 < first) return null;
    const out: NumberedEvent[] = [];
    for (let i = this.head; i < this.recent.length; i++) {
      if (Number(this.recent[i].event.id.split('-')[1]) > seq) out.push(this.recent[i].event);
    }
    return out;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.transport?.close();
  }
}
