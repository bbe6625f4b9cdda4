// The analytics module's background work as job definitions: prices and statistics, the
// liquidity sampler and retention. Each run is also callable directly (see compute.ts,
// liquidity.ts, retention.ts), which is how tests and the CLI trigger them synchronously.
import type { WickConfig } from '../config/schema.js';
import type { JobDefinition } from '../jobs/types.js';
import { computeAnalytics } from './compute.js';
import { sampleLiquidity } from './liquidity.js';
import { runRetention } from './retention.js';

export function analyticsJobs(config: WickConfig): JobDefinition[] {
  const cfg = config.analytics;
  if (!cfg.enabled) return [];
  return [
    {
      name: 'analytics:prices',
      description: 'aggregated prices, 24 h statistics, volatility and trend scores',
      schedule: { every: cfg.every },
      priority: 50,
      run: async ({ pool }) => {
        const r = await computeAnalytics(pool, cfg);
        return { rows: r.markets + r.assets + r.prices, errors: [], failed: false };
      },
    },
    {
      name: 'analytics:liquidity',
      description: 'order-book depth, spread and cost-to-move sampled into the liquidity history',
      schedule: { every: cfg.liquidityEvery },
      priority: 40,
      run: async ({ pool }) => ({ rows: await sampleLiquidity(pool, cfg), errors: [], failed: false }),
    },
    {
      name: 'analytics:retention',
      description: 'retention and downsampling of trades, tickers, metrics, order books and liquidity history',
      schedule: { every: cfg.retention.every },
      priority: 10,
      run: async ({ pool }) => {
        const steps = await runRetention(pool, cfg);
        return { rows: steps.reduce((s, x) => s + x.rows, 0), errors: [], failed: false };
      },
    },
  ];
}
