// Real stream clients for tests: Server-Sent Events over node:http and WebSocket (ws).
import { request } from 'node:http';
import WebSocket from 'ws';

export interface Received { id?: string; event: string; data: any }

export interface StreamClient {
  events: Received[];
  waitFor(pred: (events: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
  status: Promise<number>;
  send?(msg: unknown): void;
}

function waiter(events: Received[]) {
  let notify: (() => void) | null = null;
  return {
    push(e: Received) {
      events.push(e);
      notify?.();
    },
    async waitFor(pred: (events: Received[]) => boolean, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (!pred(events)) {
        if (Date.now() > until) throw new Error(`timed out waiting; have ${events.length} events: ${JSON.stringify(events.slice(-3))}`);
        await new Promise<void>((r) => {
          notify = r;
          setTimeout(r, 50);
        });
      }
    },
  };
}

export function sseClient(url: string, headers: Record<string, string> = {}): StreamClient {
  const events: Received[] = [];
  const w = waiter(events);
  let statusResolve!: (n: number) => void;
  const status = new Promise<number>((r) => (statusResolve = r));
  const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
    statusResolve(res.statusCode ?? 0);
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const e: Received = { event: 'message', data: null };
        const data: string[] = [];
        for (const line of frame.split('\n')) {
          if (line.startsWith(':')) continue;
          const j = line.indexOf(':');
          const k = j < 0 ? line : line.slice(0, j);
          const v = j < 0 ? '' : line.slice(j + 1).replace(/^ /, '');
          if (k === 'id') e.id = v;
          else if (k === 'event') e.event = v;
          else if (k === 'data') data.push(v);
        }
        if (data.length === 0) continue;
        try {
          e.data = JSON.parse(data.join('\n'));
        } catch {
          e.data = data.join('\n');
        }
        w.push(e);
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { events, waitFor: w.waitFor, close: () => req.destroy(), status };
}

export function wsClient(url: string, headers: Record<string, string> = {}): StreamClient & { send(msg: unknown): void; opened: Promise<void> } {
  const events: Received[] = [];
  const w = waiter(events);
  const ws = new WebSocket(url, { headers });
  const opened = new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    w.push({ id: m.id, event: m.op === 'event' ? m.type : m.op, data: m.op === 'event' ? { channel: m.channel, data: m.data } : m });
  });
  ws.on('close', (code, reason) => w.push({ event: 'closed', data: { code, reason: reason.toString() } }));
  return {
    events, waitFor: w.waitFor, opened, status: opened.then(() => 101),
    send: (msg) => ws.send(JSON.stringify(msg)),
    close: () => ws.close(),
  };
}
