// Fans bus events out to connected stream clients (SSE or WebSocket). Each client has a
// bounded queue used only while its socket is backed up: tickers and forming candles
// coalesce (latest wins), other events queue, and a client whose queue still overflows
// is disconnected with a reason instead of growing memory without bound.
import type { EventBus } from './bus.js';
import type { NumberedEvent } from './events.js';
import { realtimeClientConnected } from '../ops/metrics.js';

export interface ClientTransport {
  /** Writes one event; false when the socket is backed up (more writes would buffer). */
  write(event: NumberedEvent): boolean;
  /** Calls back once when the socket can take writes again. */
  onDrain(cb: () => void): void;
  close(reason: string): void;
}

export class StreamClient {
  readonly channels = new Set<string>();
  private queue: NumberedEvent[] = [];
  private readonly slots = new Map<string, number>();
  private blocked = false;
  closed = false;
  /** Events replaced by a newer one of the same key while the client was slow. */
  coalesced = 0;

  /** Per-client visibility (e.g. only the user's own and shared alert rules); absent: everything subscribed. */
  accept: ((event: NumberedEvent) => boolean) | null = null;

  constructor(private readonly transport: ClientTransport, private readonly maxQueue: number, readonly admin: boolean, readonly kind: 'sse' | 'ws' = 'sse') {}

  deliver(event: NumberedEvent): void {
    if (this.closed) return;
    if (this.accept && !this.accept(event)) return;
    if (!this.blocked && this.queue.length === 0) {
      if (!this.transport.write(event)) this.block();
      return;
    }
    const slot = event.coalesce === undefined ? undefined : this.slots.get(event.coalesce);
    if (slot !== undefined) {
      this.queue[slot] = event;
      this.coalesced++;
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.close(`slow consumer: more than ${this.maxQueue} events waiting`);
      return;
    }
    if (event.coalesce !== undefined) this.slots.set(event.coalesce, this.queue.length);
    this.queue.push(event);
  }

  private block(): void {
    this.blocked = true;
    this.transport.onDrain(() => this.drain());
  }

  private drain(): void {
    this.blocked = false;
    let i = 0;
    let full = false;
    while (i < this.queue.length && !this.closed) {
      if (!this.transport.write(this.queue[i++])) {
        full = true;
        break;
      }
    }
    this.queue = this.queue.slice(i);
    this.slots.clear();
    this.queue.forEach((e, j) => e.coalesce !== undefined && this.slots.set(e.coalesce, j));
    if (full && !this.closed) this.block();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.slots.clear();
    this.transport.close(reason);
  }

  get pending(): number {
    return this.queue.length;
  }
}

export class StreamHub {
  private readonly byChannel = new Map<string, Set<StreamClient>>();
  private readonly clients = new Set<StreamClient>();
  private readonly unsubscribe: () => void;

  constructor(readonly bus: EventBus, readonly maxQueue: number) {
    this.unsubscribe = bus.subscribe((e) => this.dispatch(e));
  }

  private dispatch(event: NumberedEvent): void {
    const set = this.byChannel.get(event.channel);
    if (!set) return;
    for (const c of set) c.deliver(event);
  }

  add(transport: ClientTransport, admin: boolean, kind: 'sse' | 'ws' = 'sse'): StreamClient {
    const c = new StreamClient(transport, this.maxQueue, admin, kind);
    this.clients.add(c);
    realtimeClientConnected(kind, 1);
    return c;
  }

  subscribe(c: StreamClient, channel: string): void {
    c.channels.add(channel);
    let set = this.byChannel.get(channel);
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(c);
  }

  unsubscribeChannel(c: StreamClient, channel: string): void {
    c.channels.delete(channel);
    const set = this.byChannel.get(channel);
    set?.delete(c);
    if (set?.size === 0) this.byChannel.delete(channel);
  }

  remove(c: StreamClient): void {
    for (const ch of [...c.channels]) this.unsubscribeChannel(c, ch);
    if (this.clients.delete(c)) realtimeClientConnected(c.kind, -1);
  }

  get size(): number {
    return this.clients.size;
  }

  /** Disconnects every client (with the reason) but keeps listening to the bus. */
  disconnectAll(reason: string): void {
    for (const c of [...this.clients]) {
      c.close(reason);
      this.remove(c);
    }
  }

  close(reason: string): void {
    this.disconnectAll(reason);
    this.unsubscribe();
  }
}
