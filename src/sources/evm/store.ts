// The evm source's own store for token transfers, balances and token metadata.
//
// Why not the ingest layer: its writers are append-only (ON CONFLICT DO NOTHING, candles
// merged in place), which is right for final data. Transfers are indexed up to the chain
// head, before they are final, so that holders and wallets are current; a reorg inside the
// confirmation window must then delete the orphaned transfers and undo their balance
// changes. Every write here is one transaction together with the sync position (block +
// hash), so a crash, a retry or a rollback never leaves a transfer counted twice or an
// orphan behind.
import type { Pool, PoolClient } from '../../db/pool.js';
import { withTransaction } from '../../db/pool.js';

export const ZERO = '0x0000000000000000000000000000000000000000';

export interface TransferRow {
  token: string;
  block: bigint;
  logIndex: number;
  sub: number;
  txHash: string;
  ts: number;
  from: string;
  to: string;
  tokenId: string | null;
  amount: string;
}

export interface SyncPos { block: bigint; hash: string }

export async function readSync(pool: Pool, sourceId: string): Promise<SyncPos | null> {
  const r = await pool.query<{ block: string; hash: string }>('SELECT block::text, hash FROM evm_sync WHERE source_id = $1', [sourceId]);
  return r.rows[0] ? { block: BigInt(r.rows[0].block), hash: r.rows[0].hash } : null;
}

/** Blocks remembered for reorg checks, newest first. */
export async function recentBlocks(pool: Pool, sourceId: string): Promise<Array<{ number: bigint; hash: string }>> {
  const r = await pool.query<{ number: string; hash: string }>('SELECT number::text, hash FROM evm_blocks WHERE source_id = $1 ORDER BY number DESC LIMIT 2000', [sourceId]);
  return r.rows.map((x) => ({ number: BigInt(x.number), hash: x.hash }));
}

const BALANCE_DELTAS = (rows: string) => `
  deltas AS (
    SELECT chain, token, from_addr AS holder, -amount AS d FROM ${rows} WHERE from_addr <> '${ZERO}'
    UNION ALL
    SELECT chain, token, to_addr, amount FROM ${rows} WHERE to_addr <> '${ZERO}'
  ), agg AS (
    SELECT chain, token, holder, sum(d) AS d FROM deltas GROUP BY 1, 2, 3
  ), bal AS (
    INSERT INTO evm_balances AS b (chain, token, holder, balance) SELECT chain, token, holder, d FROM agg
    ON CONFLICT (chain, token, holder) DO UPDATE SET balance = b.balance + excluded.balance
    RETURNING 1
  )`;

async function dropEmptyBalances(client: PoolClient, chain: string): Promise<void> {
  await client.query('DELETE FROM evm_balances WHERE chain = $1 AND balance = 0', [chain]);
}

/** Stores one range: its transfers, the blocks they are in, and the new sync position. */
export async function storeRange(pool: Pool, sourceId: string, chain: string, transfers: TransferRow[], blocks: Array<{ number: bigint; hash: string; ts: number }>, pos: SyncPos, keepFrom: bigint): Promise<number> {
  return withTransaction(pool, async (client) => {
    let inserted = 0;
    if (transfers.length > 0) {
      const r = await client.query<{ n: number }>(
        `WITH input AS (
           SELECT * FROM unnest($2::text[], $3::int8[], $4::int[], $5::int[], $6::text[], $7::int8[], $8::text[], $9::text[], $10::numeric[], $11::numeric[])
             AS i(token, block, log_index, sub, tx_hash, ms, from_addr, to_addr, token_id, amount)
         ), ins AS (
           INSERT INTO evm_transfers (chain, token, block, log_index, sub, tx_hash, ts, from_addr, to_addr, token_id, amount, source_id)
           SELECT $1, token, block, log_index, sub, tx_hash, to_timestamp(ms / 1000.0), from_addr, to_addr, token_id, amount, $12 FROM input
           ON CONFLICT DO NOTHING
           RETURNING chain, token, from_addr, to_addr, amount
         ), ${BALANCE_DELTAS('ins')}
         SELECT (SELECT count(*) FROM ins)::int AS n, (SELECT count(*) FROM bal) AS b`,
        [chain, transfers.map((t) => t.token), transfers.map((t) => t.block.toString()), transfers.map((t) => t.logIndex), transfers.map((t) => t.sub),
          transfers.map((t) => t.txHash), transfers.map((t) => t.ts), transfers.map((t) => t.from), transfers.map((t) => t.to),
          transfers.map((t) => t.tokenId), transfers.map((t) => t.amount), sourceId],
      );
      inserted = r.rows[0].n;
      await dropEmptyBalances(client, chain);
    }
    if (blocks.length > 0) {
      await client.query(
        `INSERT INTO evm_blocks (source_id, number, hash, ts) SELECT $1, n, h, to_timestamp(ms / 1000.0) FROM unnest($2::int8[], $3::text[], $4::int8[]) AS b(n, h, ms)
         ON CONFLICT (source_id, number) DO UPDATE SET hash = excluded.hash, ts = excluded.ts`,
        [sourceId, blocks.map((b) => b.number.toString()), blocks.map((b) => b.hash), blocks.map((b) => b.ts)],
      );
    }
    // Blocks older than the confirmation window are final: their hashes are no longer needed.
    await client.query('DELETE FROM evm_blocks WHERE source_id = $1 AND number < $2', [sourceId, keepFrom.toString()]);
    await client.query(
      `INSERT INTO evm_sync (source_id, chain, block, hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (source_id) DO UPDATE SET chain = excluded.chain, block = excluded.block, hash = excluded.hash, updated_at = now()`,
      [sourceId, chain, pos.block.toString(), pos.hash],
    );
    return inserted;
  });
}

/** Undoes everything indexed after block `fork` (a reorg replaced those blocks). Returns the transfers removed. */
export async function rollbackAfter(pool: Pool, sourceId: string, chain: string, fork: SyncPos): Promise<number> {
  return withTransaction(pool, async (client) => {
    const r = await client.query<{ n: number }>(
      `WITH del AS (
         DELETE FROM evm_transfers WHERE source_id = $1 AND block > $2
         RETURNING chain, token, to_addr AS from_addr, from_addr AS to_addr, amount
       ), ${BALANCE_DELTAS('del')}
       SELECT (SELECT count(*) FROM del)::int AS n, (SELECT count(*) FROM bal) AS b`,
      [sourceId, fork.block.toString()],
    );
    await dropEmptyBalances(client, chain);
    await client.query('DELETE FROM evm_blocks WHERE source_id = $1 AND number > $2', [sourceId, fork.block.toString()]);
    await client.query('UPDATE evm_sync SET block = $2, hash = $3, updated_at = now() WHERE source_id = $1', [sourceId, fork.block.toString(), fork.hash]);
    return r.rows[0].n;
  });
}

export interface TokenMeta { chain: string; address: string; standard: 'erc20' | 'erc721' | 'erc1155'; symbol: string | null; name: string | null; decimals: number | null }

export async function loadTokens(pool: Pool, chain: string, addresses: string[]): Promise<Map<string, TokenMeta>> {
  const r = await pool.query<TokenMeta>('SELECT chain, address, standard, symbol, name, decimals FROM evm_tokens WHERE chain = $1 AND address = ANY($2)', [chain, addresses]);
  return new Map(r.rows.map((t) => [t.address, t]));
}

export async function saveToken(pool: Pool, t: TokenMeta): Promise<void> {
  await pool.query(
    `INSERT INTO evm_tokens (chain, address, standard, symbol, name, decimals) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (chain, address) DO NOTHING`,
    [t.chain, t.address, t.standard, t.symbol, t.name, t.decimals],
  );
}

// Reads for the API.

export async function tokenInfo(pool: Pool, chain: string, token: string): Promise<TokenMeta | null> {
  const r = await pool.query<TokenMeta>('SELECT chain, address, standard, symbol, name, decimals FROM evm_tokens WHERE chain = $1 AND address = $2', [chain, token]);
  return r.rows[0] ?? null;
}

export async function holders(pool: Pool, chain: string, token: string, limit: number): Promise<{ count: number; top: Array<{ address: string; balance: string }> }> {
  const c = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM evm_balances WHERE chain = $1 AND token = $2 AND balance > 0', [chain, token]);
  const top = await pool.query<{ address: string; balance: string }>(
    'SELECT holder AS address, balance::text AS balance FROM evm_balances WHERE chain = $1 AND token = $2 AND balance > 0 ORDER BY evm_balances.balance DESC, holder LIMIT $3',
    [chain, token, limit],
  );
  return { count: c.rows[0].n, top: top.rows };
}

/** Holders at the end of each UTC day from the first transfer to `until` (a holder's balance carries over days without transfers). */
export async function holderHistory(pool: Pool, chain: string, token: string, until: number): Promise<Array<{ day: number; holders: number }>> {
  const r = await pool.query<{ day: string; holders: number }>(
    `WITH moves AS (
       SELECT date_trunc('day', ts AT TIME ZONE 'UTC') AS day, from_addr AS holder, -amount AS d FROM evm_transfers WHERE chain = $1 AND token = $2 AND from_addr <> '${ZERO}'
       UNION ALL
       SELECT date_trunc('day', ts AT TIME ZONE 'UTC'), to_addr, amount FROM evm_transfers WHERE chain = $1 AND token = $2 AND to_addr <> '${ZERO}'
     ), per_day AS (
       SELECT holder, day, sum(d) AS d FROM moves GROUP BY 1, 2
     ), running AS (
       SELECT holder, day, sum(d) OVER (PARTITION BY holder ORDER BY day) AS balance,
              lead(day) OVER (PARTITION BY holder ORDER BY day) AS next_day
       FROM per_day
     ), days AS (
       SELECT generate_series((SELECT min(day) FROM per_day), date_trunc('day', to_timestamp($3 / 1000.0) AT TIME ZONE 'UTC'), interval '1 day') AS day
     )
     SELECT (extract(epoch FROM days.day) * 1000)::int8::text AS day,
            count(*) FILTER (WHERE running.balance > 0)::int AS holders
     FROM days LEFT JOIN running ON running.day <= days.day AND (running.next_day IS NULL OR running.next_day > days.day)
     GROUP BY days.day ORDER BY days.day`,
    [chain, token, until],
  );
  return r.rows.map((x) => ({ day: Number(x.day), holders: x.holders }));
}

export interface TransferOut {
  token: string; block: number; log_index: number; sub: number; tx_hash: string; time: number; from: string; to: string; token_id: string | null; amount: string;
}

/** Transfers newest first; `before` is the position (block, log index, index in a batch) of the previous page's last row. */
export async function transfers(pool: Pool, chain: string, by: { token?: string; wallet?: string }, limit: number, before: { block: number; logIndex: number; sub?: number } | null): Promise<TransferOut[]> {
  const r = await pool.query<TransferOut & { block: string; time: string }>(
    `SELECT token, block::text AS block, log_index, sub, tx_hash, (extract(epoch FROM ts) * 1000)::int8::text AS time, from_addr AS "from", to_addr AS "to", token_id::text, amount::text
     FROM evm_transfers
     WHERE chain = $1 AND ($2::text IS NULL OR token = $2) AND ($3::text IS NULL OR from_addr = $3 OR to_addr = $3)
       AND ($4::int8 IS NULL OR (block, log_index, sub) < ($4, $5, $6))
     ORDER BY block DESC, log_index DESC, sub DESC LIMIT $7`,
    [chain, by.token ?? null, by.wallet ?? null, before?.block ?? null, before?.logIndex ?? 0, before?.sub ?? 0, limit],
  );
  return r.rows.map((x) => ({ ...x, block: Number(x.block), time: Number(x.time) }));
}

/** Pools a factory listed so far, and the block its scan reached. */
export interface FactoryPool { pool: string; token0: string; token1: string; createdBlock: bigint }

export async function loadFactoryScan(pool: Pool, sourceId: string): Promise<{ block: bigint; pools: FactoryPool[] } | null> {
  const s = await pool.query<{ block: string }>('SELECT block::text FROM evm_factory_sync WHERE source_id = $1', [sourceId]);
  if (!s.rows[0]) return null;
  const p = await pool.query<{ pool: string; token0: string; token1: string; created_block: string }>(
    'SELECT pool, token0, token1, created_block::text FROM evm_pools WHERE source_id = $1 ORDER BY created_block, pool', [sourceId]);
  return { block: BigInt(s.rows[0].block), pools: p.rows.map((r) => ({ pool: r.pool, token0: r.token0, token1: r.token1, createdBlock: BigInt(r.created_block) })) };
}

export async function saveFactoryScan(pool: Pool, sourceId: string, block: bigint, pools: FactoryPool[]): Promise<void> {
  await withTransaction(pool, async (client) => {
    if (pools.length) {
      await client.query(
        `INSERT INTO evm_pools (source_id, pool, token0, token1, created_block) SELECT $1, p, t0, t1, b FROM unnest($2::text[], $3::text[], $4::text[], $5::int8[]) AS x(p, t0, t1, b)
         ON CONFLICT DO NOTHING`,
        [sourceId, pools.map((p) => p.pool), pools.map((p) => p.token0), pools.map((p) => p.token1), pools.map((p) => p.createdBlock.toString())],
      );
    }
    await client.query(
      `INSERT INTO evm_factory_sync (source_id, block) VALUES ($1, $2) ON CONFLICT (source_id) DO UPDATE SET block = excluded.block`,
      [sourceId, block.toString()],
    );
  });
}

/**
 * Records a token's contract address for the asset it trades as (asset_addresses, platform =
 * the chain's name), so `/v1/tokens/{address}/chart` and the CoinGecko routes find it by address.
 * An address already linked keeps its asset.
 */
export async function linkAssetAddress(pool: Pool, asset: string, name: string | null, platform: string, address: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query('INSERT INTO assets (id, symbol, name) VALUES ($1, $1, $2) ON CONFLICT (id) DO UPDATE SET name = coalesce(assets.name, excluded.name)', [asset, name]);
    await client.query('INSERT INTO asset_addresses (asset_id, platform, address) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [asset, platform, address.toLowerCase()]);
  });
}
