// Keeps every source task running on its interval inside this process until stopped.
// A failing task backs off (doubling up to 5 minutes) instead of hammering the venue.
// Stopping waits for the batch being written, so nothing is half-stored.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import type { Source, SourceTask } from '../sources/types.js';
import { SourceRunner, type PassResult } from './runner.js';

const MAX_BACKOFF_MS = 300_000;

export class IngestScheduler {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly sources: Source[], private readonly pool: Pool, private readonly log: Logger, private readonly onPass?: (r: PassResult) => void) {}

  async start(): Promise<void> {
    for (const source of this.sources) {
      const runner = new SourceRunner(source, this.pool, this.log.child({ source: source.id }));
      for (const task of await source.tasks()) this.loops.push(this.loop(runner, task));
    }
  }

  private async loop(runner: SourceRunner, task: SourceTask): Promise<void> {
    const { signal } = this.abort;
    let failures = 0;
    while (!signal.aborted) {
      let wait = task.every ?? 0;
      try {
        const r = await runner.runPass(task, signal);
        this.onPass?.(r);
        failures = r.errors.length > 0 && r.errors.length >= r.markets ? failures + 1 : 0;
        this.log.debug({ source: r.source, task: r.task, rows: r.rows, ms: r.durationMs }, 'ingest pass done');
        if (task.every === null && failures === 0) return; // a continuous task (live replay) that ran to its end
      } catch (e) {
        if (signal.aborted) break;
        failures++;
        this.log.error({ source: runner.source.id, task: task.kind, err: (e as Error).message }, 'ingest pass failed');
      }
      if (failures > 0) wait = Math.min(MAX_BACKOFF_MS, Math.max(wait, 1000) * 2 ** Math.min(failures - 1, 10));
      await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Stops all tasks, waiting for in-flight writes to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
    await Promise.allSettled(this.sources.map((s) => s.close?.()));
  }
}
