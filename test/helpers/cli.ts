// Runs the `wick` CLI from source in a child process, as a user would run it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from './fixtures.js';

const require = createRequire(import.meta.url);
const TSX = pathToFileURL(require.resolve('tsx')).href;
export const CLI = resolve(PROJECT_ROOT, 'src/cli.ts');

/** node arguments that run `wick <args>` from the TypeScript sources. */
export function wickArgs(args: string[]): string[] {
  return ['--import', TSX, CLI, ...args];
}

export interface Finished { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export function runWick(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Finished> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, wickArgs(args), { cwd: opts.cwd ?? PROJECT_ROOT, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', rej);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    });
  });
}

export function spawnWick(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, wickArgs(args), { cwd: opts.cwd ?? PROJECT_ROOT, env: opts.env ?? process.env });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return Object.assign(child, { output: () => out });
}
