// Loads the configuration: a YAML file (optional; built-in defaults otherwise) with
// ${ENV_VAR} references, then environment overrides for deployment settings, validated
// once. Every problem is reported with the key it concerns.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { checkSources, SOURCE_TYPES } from '../sources/registry.js';
import { configSchema, type WickConfig } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[], readonly file: string | null) {
    super(`${file ? `${file}: ` : ''}invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadedConfig {
  config: WickConfig;
  /** The file it came from, or null for the built-in defaults. */
  file: string | null;
  /** Relative paths in the config (e.g. replay files) resolve against this directory. */
  baseDir: string;
}

export const DEFAULT_CONFIG_FILE = 'wick.config.yaml';

export async function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.file ?? env.WICK_CONFIG;
  let file: string | null = null;
  if (explicit) {
    file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new ConfigError([`config file not found: ${file}`], null);
  } else if (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) {
    file = resolve(cwd, DEFAULT_CONFIG_FILE);
  }
  let raw: unknown = {};
  if (file) {
    const text = await readFile(file, 'utf8');
    const doc = YAML.parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) throw new ConfigError(doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`), file);
    raw = doc.toJS() ?? {};
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['the top level must be a mapping of keys (server, database, sources, …)'], file);
  }
  const problems: string[] = [];
  raw = interpolateEnv(raw, env, [], problems);
  applyEnvOverrides(raw as Record<string, unknown>, env, problems);
  if (problems.length) throw new ConfigError(problems, file);
  const config = parseConfig(raw, file);
  const semantic = await checkSources(config.sources);
  if (semantic.length) throw new ConfigError(semantic.map(([p, m]) => `${formatPath(p)}: ${m}`), file);
  const baseDir = file ? dirname(file) : cwd;
  // A data directory written in the file is relative to the file; the default and
  // WICK_DATA_DIR are relative to where Wick is started.
  const dataDirFromFile = file !== null && !env.WICK_DATA_DIR && (raw as Record<string, unknown>).dataDir !== undefined;
  config.dataDir = resolve(dataDirFromFile ? baseDir : cwd, config.dataDir);
  return { config, file, baseDir };
}

/** Validates an already-parsed config object (tests and embedding use this directly). */
export function parseConfig(raw: unknown, file: string | null = null): WickConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => formatIssue(i, raw)), file);
  return result.data;
}

function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path: (string | number)[], problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, [...path, i], problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, [...path, k], problems)]));
  }
  return value;
}

/** Deployment settings from the environment win over the file: HOST, PORT, DATABASE_URL, WICK_DATA_DIR, LOG_LEVEL. */
function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, problems: string[]): void {
  const section = (k: string) => {
    const v = raw[k];
    if (v === undefined || v === null) return (raw[k] = {}) as Record<string, unknown>;
    return v as Record<string, unknown>;
  };
  if (env.HOST) section('server').host = env.HOST;
  if (env.PORT) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT: "${env.PORT}" is not a port number (0-65535)`);
    else section('server').port = port;
  }
  if (env.DATABASE_URL) section('database').url = env.DATABASE_URL;
  if (env.REDIS_URL) section('realtime').redisUrl = env.REDIS_URL;
  if (env.SMTP_URL) section('mail').smtp = env.SMTP_URL;
  if (env.WICK_DATA_DIR) raw.dataDir = env.WICK_DATA_DIR;
  if (env.LOG_LEVEL) section('log').level = env.LOG_LEVEL;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function formatIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const at = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${at}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type': {
      const got = valueAt(raw, issue.path);
      return got === undefined ? `${at}: is required (${issue.expected})` : `${at}: expected ${issue.expected}, got ${describe(got)}`;
    }
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string }).discriminator;
      if (disc) {
        const path = issue.path[issue.path.length - 1] === disc ? issue.path : [...issue.path, disc];
        const got = valueAt(raw, path);
        const known = path[0] === 'sources' ? ` (known: ${SOURCE_TYPES.join(', ')})` : '';
        return got === undefined ? `${formatPath(path)}: is required${known}` : `${formatPath(path)}: unknown source type ${JSON.stringify(got)}${known}`;
      }
      return `${at}: ${issue.message}`;
    }
    case 'invalid_value':
      return `${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(valueAt(raw, issue.path))}`;
    default:
      return `${at}: ${issue.message}`;
  }
}
