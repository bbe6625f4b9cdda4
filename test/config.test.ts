// The configuration: defaults, environment, and one clear message naming the key for each mistake.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { runWick } from './helpers/cli.js';

async function configFile(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wick-cfg-'));
  const file = join(dir, 'wick.config.yaml');
  await writeFile(file, yaml);
  return file;
}

async function problems(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadConfig({ file: await configFile(yaml), env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration', () => {
  it('works with no file at all (built-in defaults)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wick-cfg-'));
    const { config, file } = await loadConfig({ env: {}, cwd: dir });
    expect(file).toBeNull();
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(config.database.url).toBeUndefined();
    expect(config.dataDir).toBe(join(dir, '.wick'));
    expect(config.sources).toEqual([]);
  });

  it('takes HOST, PORT, DATABASE_URL, WICK_DATA_DIR and LOG_LEVEL from the environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wick-cfg-'));
    const { config } = await loadConfig({ cwd: dir, env: { HOST: '0.0.0.0', PORT: '9999', DATABASE_URL: 'postgres://u@h/db', WICK_DATA_DIR: 'data', LOG_LEVEL: 'debug' } });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 9999 });
    expect(config.database.url).toBe('postgres://u@h/db');
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.log.level).toBe('debug');
  });

  it('substitutes ${VAR} and ${VAR:-default}, and names a missing variable', async () => {
    const file = await configFile('sources:\n  - id: r\n    type: replay\n    market: A/B\n    file: ${DIR:-/data}/x.json\n    venue: ${VENUE}\n');
    const { config } = await loadConfig({ file, env: { VENUE: 'kraken' } });
    expect(config.sources[0]).toMatchObject({ file: '/data/x.json', venue: 'kraken' });
    expect(await problems('server:\n  host: ${NOPE}\n')).toEqual(['server.host: environment variable NOPE is not set']);
  });

  it('names an unknown key', async () => {
    expect(await problems('server:\n  prot: 80\n')).toEqual(['server: unknown key "prot"']);
    expect(await problems('sources:\n  - id: b\n    type: ccxt\n    exchange: kraken\n    tickers: {}\n    exchnage: x\n')).toEqual(['sources[0]: unknown key "exchnage"']);
  });

  it('names a wrong type', async () => {
    expect(await problems('server:\n  port: eighty\n')).toEqual(['server.port: expected number, got string "eighty"']);
    expect(await problems('sources: {}\n')).toEqual(['sources: expected array, got a mapping']);
    expect(await problems('log:\n  level: loud\n')).toEqual(['log.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got string "loud"']);
  });

  it('names an unknown source type and lists the known ones', async () => {
    expect(await problems('sources:\n  - id: x\n    type: carrier-pigeon\n')).toEqual(['sources[0].type: unknown source type "carrier-pigeon" (known: replay, ccxt, http, komodo, evm, subgraph)']);
    expect(await problems('sources:\n  - id: x\n')).toEqual(['sources[0].type: is required (known: replay, ccxt, http, komodo, evm, subgraph)']);
  });

  it('checks ccxt exchanges, timeframes and what a source fetches', async () => {
    expect(await problems('sources:\n  - id: x\n    type: ccxt\n    exchange: binanse\n    tickers: {}\n')).toEqual([expect.stringMatching(/^sources\[0\]\.exchange: unknown ccxt exchange "binanse" \(did you mean .*binance/)]);
    expect(await problems('sources:\n  - id: x\n    type: ccxt\n    exchange: kraken\n    candles: { timeframe: 7m }\n')).toEqual([expect.stringMatching(/^sources\[0\]\.candles\.timeframe: kraken has no timeframe "7m"/)]);
    expect(await problems('sources:\n  - id: x\n    type: ccxt\n    exchange: kraken\n')).toEqual(['sources[0]: fetches nothing: add at least one of "trades", "candles", "tickers" or "orderbook"']);
    expect(await problems('sources:\n  - id: x\n    type: ccxt\n    exchange: kraken\n    trades: { every: soon }\n')).toEqual(['sources[0].trades.every: "soon" is not a duration (use e.g. "500ms", "30s", "5m", "1h", "1d")']);
  });

  it('rejects duplicate source ids, bad ids and live-only replay options in backfill mode', async () => {
    const src = (id: string, extra = '') => `  - id: ${id}\n    type: replay\n    market: A/B\n    file: f.json\n${extra}`;
    expect(await problems(`sources:\n${src('a')}${src('a')}`)).toEqual(['sources[1].id: duplicate source id "a" (also sources[0].id)']);
    expect((await problems(`sources:\n${src('Bad Id')}`))[0]).toMatch(/^sources\[0\]\.id: use lower-case letters/);
    expect(await problems(`sources:\n${src('a', '    speed: 60\n')}`)).toEqual(['sources[0].speed: only applies to mode: live']);
  });

  it('reports YAML syntax errors and a missing file', async () => {
    expect((await problems('server: [1, 2\n'))[0]).toMatch(/^YAML syntax/);
    await expect(loadConfig({ file: '/nonexistent/wick.yaml', env: {} })).rejects.toThrow('config file not found: /nonexistent/wick.yaml');
  });

  it('the CLI prints one clear message and exits non-zero', async () => {
    const file = await configFile('server:\n  port: "x"\n');
    const err = await runWick(['config', '--config', file]);
    expect(err.code).toBe(2);
    expect(err.stderr).toBe(`wick: ${file}: invalid configuration:\n  - server.port: expected number, got string "x"\n`);
    const unknown = await runWick(['ingest', 'nope'], { cwd: await mkdtemp(join(tmpdir(), 'wick-cfg-')), env: { ...process.env, WICK_CONFIG: '' } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown source "nope"; no sources are configured/);
  });
});
