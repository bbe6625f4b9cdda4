// One Postgres for the whole run: the server at DATABASE_URL when set (e.g. the machine's
// Postgres 15), otherwise an embedded Postgres started here. Each test file creates its
// own database on it (see db.ts), so files run in parallel without sharing rows.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';

let server: EmbeddedServer | null = null;
let dir: string | null = null;

export async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dir = await mkdtemp(join(tmpdir(), 'wick-test-'));
    server = await startEmbeddedPostgres(dir, 0, pino({ level: 'warn' }));
    adminUrl = server.url;
  }
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('databaseKind', process.env.DATABASE_URL ? 'external' : 'embedded');
}

export async function teardown() {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    databaseKind: 'embedded' | 'external';
  }
}
