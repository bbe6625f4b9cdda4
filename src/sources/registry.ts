// The built-in source types: each contributes a config schema (validated with the rest of
// the config) and a factory, loaded lazily so an unused connector (ccxt is large) costs nothing.
import { z } from 'zod';
import { ccxtConfigSchema, type CcxtConfig } from './ccxt/config.js';
import { replayConfigSchema, type ReplayConfig } from './replay/config.js';
import { httpConfigSchema, type HttpConfig } from './http/config.js';
import { komodoConfigSchema, type KomodoConfig } from './komodo/config.js';
import { evmConfigSchema, type EvmConfig } from './evm/config.js';
import { subgraphConfigSchema, type SubgraphConfig } from './subgraph/config.js';
import type { Source } from './types.js';

export const SOURCE_TYPES = ['replay', 'ccxt', 'http', 'komodo', 'evm', 'subgraph'] as const;

export const sourceConfigSchema = z.discriminatedUnion('type', [replayConfigSchema, ccxtConfigSchema, httpConfigSchema, komodoConfigSchema, evmConfigSchema, subgraphConfigSchema]);
export type SourceConfig = z.output<typeof sourceConfigSchema>;

export async function createSource(cfg: SourceConfig, baseDir: string): Promise<Source> {
  switch (cfg.type) {
    case 'replay': {
      const { ReplaySource } = await import('./replay/index.js');
      return new ReplaySource(cfg as ReplayConfig, baseDir);
    }
    case 'ccxt': {
      const { createCcxtSource } = await import('./ccxt/index.js');
      return createCcxtSource(cfg as CcxtConfig);
    }
    case 'http': {
      const { HttpSource } = await import('./http/index.js');
      return new HttpSource(cfg as HttpConfig);
    }
    case 'komodo': {
      const { KomodoSource } = await import('./komodo/index.js');
      return new KomodoSource(cfg as KomodoConfig, baseDir);
    }
    case 'evm': {
      const { EvmSource } = await import('./evm/index.js');
      return new EvmSource(cfg as EvmConfig);
    }
    case 'subgraph': {
      const { SubgraphSource } = await import('./subgraph/index.js');
      return new SubgraphSource(cfg as SubgraphConfig);
    }
  }
}

/** Checks what the schema cannot: e.g. that a ccxt exchange id exists. Returns problems as [path, message]. */
export async function checkSources(sources: SourceConfig[]): Promise<Array<[(string | number)[], string]>> {
  const problems: Array<[(string | number)[], string]> = [];
  const ccxtIdx = sources.flatMap((s, i) => (s.type === 'ccxt' ? [i] : []));
  if (ccxtIdx.length > 0) {
    const { checkCcxtConfig } = await import('./ccxt/index.js');
    for (const i of ccxtIdx) for (const [path, msg] of checkCcxtConfig(sources[i] as CcxtConfig)) problems.push([['sources', i, ...path], msg]);
  }
  return problems;
}
