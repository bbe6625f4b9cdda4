// Realtime and alert benchmarks:
//  3. stream latency: trades written through the ingest path (writeTrades, then the
//     realtime publisher, as SourceRunner does) in this process, fanned out by a separate
//     `wick api` process to N concurrent SSE clients; latency from before the write to
//     arrival at each client (p50/p99), and the API process's memory with them connected;
//  4. alert evaluation: 10,000 rules over 100 markets, full evaluation and a steady-state
//     pass after one new minute of data.
//   npm run bench  (or: npx tsx bench/realtime.ts [--clients 1000 --trades 50 --rules 10000])
//   REDIS_URL=redis://127.0.0.1:6379 uses Redis pub/sub instead of LISTEN/NOTIFY.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { evaluateRules } from '../src/alerts/evaluator.js';
import { ruleInputSchema } from '../src/alerts/rules.js';
import { parseConfig } from '../src/config/load.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { upsertMarkets, upsertVenue } from '../src/ingest/catalog.js';
import { writeTrades } from '../src/ingest/writers.js';
import { startRealtime } from '../src/realtime/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const CLIENTS = Number(args.get('clients') ?? 1000);
const TRADES = Number(args.get('trades') ?? 50);
const RULES = Number(args.get('rules') ?? 10_000);
const log = pino({ level: 'warn' });
const require = createRequire(import.meta.url);

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function streamLatency(dbUrl: string, pool: Pool) {
  const transport = process.env.REDIS_URL ? 'Redis pub/sub' : 'Postgres LISTEN/NOTIFY';
  console.log(`\n3) Stream latency: ${TRADES} trades written through the ingest path → separate API process (${transport}) → ${fmt(CLIENTS)} SSE clients`);
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const api = spawn(process.execPath, ['--import', tsx, new URL('../src/cli.ts', import.meta.url).pathname, 'api'], {
    env: { ...process.env, DATABASE_URL: dbUrl, PORT: '0', WICK_CONFIG: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((res, rej) => {
      let out = '';
      api.stdout!.on('data', (d) => {
        out += d;
        const m = /API (http:\/\/\S+)\/v1/.exec(out);
        if (m) res(m[1]);
      });
      api.once('exit', (code) => rej(new Error(`wick api exited with ${code}`)));
    });
    await sleep(500);
    const idle = await rssOf(api.pid!);
    await upsertVenue(pool, 'bench', 'exchange');
    const m = (await upsertMarkets(pool, [{ venue: 'bench', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT' }])).get('BTC/USDT')!;

    const sent = new Map<string, number>();
    const samples: number[] = [];
    let received = 0;
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    let ready = 0;
    const reqs = Array.from({ length: CLIENTS }, () => {
      const req = request(`${url}/v1/stream?channels=trades:bench:BTC-USDT`, { agent }, (res) => {
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (frame.includes('event: ready')) ready++;
            const d = /^data: (.*)$/m.exec(frame);
            if (!d || !frame.includes('event: trades')) continue;
            const now = performance.now();
            for (const t of JSON.parse(d[1]).data.trades) {
              const at = sent.get(t.id);
              if (at !== undefined) {
                samples.push(now - at);
                received++;
              }
            }
          }
        });
      });
      req.on('error', () => undefined);
      req.end();
      return req;
    });
    while (ready < CLIENTS) await sleep(20);
    await sleep(300);
    const connected = await rssOf(api.pid!);

    const rt = await startRealtime(pool, parseConfig(process.env.REDIS_URL ? { realtime: { redisUrl: process.env.REDIS_URL } } : {}), log);
    const info = { pk: m.pk, id: m.id, base: 'BTC' };
    const t0 = Date.now();
    for (let i = 0; i < TRADES; i++) {
      const trade = { ts: t0 + i * 100, id: `b-${i}`, side: 'buy' as const, price: String(60_000 + i), amount: '0.01' };
      sent.set(trade.id, performance.now());
      await writeTrades(pool, m.pk, [trade], 'bench', 'trades:bench', { i });
      rt.publisher.tradesWritten(info, [trade]);
      await sleep(20);
    }
    const until = Date.now() + 30_000;
    while (received < TRADES * CLIENTS && Date.now() < until) await sleep(20);
    const peak = await rssOf(api.pid!);
    samples.sort((a, b) => a - b);
    console.log(`   delivered ${fmt(received)} of ${fmt(TRADES * CLIENTS)} (trade × client)`);
    console.log(`   latency write→client   p50 ${fmt(pct(samples, 0.5), 1)} ms   p99 ${fmt(pct(samples, 0.99), 1)} ms   max ${fmt(samples[samples.length - 1], 1)} ms`);
    console.log(`   API process RSS: idle ${fmt(idle / 2 ** 20, 1)} MiB, ${fmt(CLIENTS)} clients connected ${fmt(connected / 2 ** 20, 1)} MiB (${fmt((connected - idle) / CLIENTS / 1024, 1)} KiB per client), after the run ${fmt(peak / 2 ** 20, 1)} MiB`);
    for (const r of reqs) r.destroy();
    await rt.close();
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
  }
}

async function ruleCost(pool: Pool) {
  const MARKETS = 100;
  console.log(`\n4) Alert evaluation: ${fmt(RULES)} rules over ${MARKETS} markets (threshold, % change, ratio to 1-hour average; 1m candles)`);
  await upsertVenue(pool, 'rules', 'exchange');
  const specs = Array.from({ length: MARKETS }, (_, i) => ({ venue: 'rules', symbol: `A${i}/USDT`, base: `A${i}`, quote: 'USDT' }));
  const refs = await upsertMarkets(pool, specs);
  const MIN = 60_000;
  const start = Math.floor(Date.now() / MIN) * MIN - 120 * MIN;
  for (const s of specs) {
    const pk = refs.get(s.symbol)!.pk;
    const trades = Array.from({ length: 120 }, (_, k) => ({ ts: start + k * MIN + 1000, id: String(k), side: 'buy' as const, price: String(100 + Math.sin(k / 7) * 5), amount: String(1 + (k % 13)) }));
    await writeTrades(pool, pk, trades, 'bench', `t:${s.symbol}`, { k: 120 });
  }
  const conds = [
    { kind: 'threshold', op: 'above', value: 104 },
    { kind: 'change', percent: 3, window: '15m' },
    { kind: 'ratio_ma', factor: 2, window: '1h' },
  ];
  const rows = Array.from({ length: RULES }, (_, i) => {
    const c = conds[i % 3];
    const input = ruleInputSchema.parse({
      name: `r${i}`,
      series: { kind: 'market', market: `rules:A${i % MARKETS}-USDT`, field: c.kind === 'ratio_ma' ? 'volume' : 'price' },
      condition: { ...c, ...(c.kind === 'threshold' ? { value: 100 + (i % 10) } : {}) },
      cooldown: '10m',
    });
    return input;
  });
  await pool.query(
    `INSERT INTO alert_rules (name, kind, series, params, cooldown_ms) SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[], $5::int8[])`,
    [rows.map((r) => r.name), rows.map((r) => r.condition.kind), rows.map((r) => JSON.stringify(r.series)), rows.map((r) => JSON.stringify(r.condition)), rows.map((r) => r.cooldown ?? 0)],
  );
  const now = start + 121 * MIN;
  let t = performance.now();
  const first = await evaluateRules(pool, log, null, { now });
  const firstMs = performance.now() - t;
  // One more minute of data for every market, then the steady-state pass.
  for (const s of specs) await writeTrades(pool, refs.get(s.symbol)!.pk, [{ ts: start + 121 * MIN + 1000, id: 'n', side: 'buy', price: '110', amount: '40' }], 'bench', `t:${s.symbol}`, { k: 121 });
  t = performance.now();
  const next = await evaluateRules(pool, log, null, { now: now + MIN });
  const nextMs = performance.now() - t;
  console.log(`   first evaluation   ${fmt(firstMs)} ms for ${fmt(first.rules)} rules over ${first.series} series (${fmt((firstMs * 1000) / first.rules, 1)} µs/rule), ${fmt(first.fired.length)} fired`);
  console.log(`   next minute        ${fmt(nextMs)} ms for ${fmt(next.rules)} rules (${fmt((nextMs * 1000) / next.rules, 1)} µs/rule), ${fmt(next.fired.length)} fired (stored with their deliveries)`);
}

async function main() {
  let adminUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | null = null;
  let dir: string | null = null;
  if (!adminUrl) {
    dir = await mkdtemp(join(tmpdir(), 'wick-bench-rt-'));
    await chmod(dir, 0o755);
    const server = await startEmbeddedPostgres(dir, 0, log);
    adminUrl = server.url;
    stop = server.stop;
  }
  const name = `wick_bench_rt_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const pool = createPool({ url: u.toString(), max: 10, statementTimeoutMs: 600_000, applicationName: 'wick-bench' });
  try {
    await migrate(pool);
    await streamLatency(u.toString(), pool);
    await ruleCost(pool);
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await stop?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
