// The evm transfer store on a real Postgres: balances from transfers, holder counts per UTC day
// carried over days without transfers, pages of transfers, and rollback after a reorg.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holderHistory, holders, readSync, rollbackAfter, storeRange, transfers, ZERO, type TransferRow } from '../src/sources/evm/store.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

const DAY = 86_400_000;
const D0 = Date.UTC(2024, 2, 1);
const T = '0x00000000000000000000000000000000000000aa';
const [A, B, C] = ['0x' + 'a'.repeat(40), '0x' + 'b'.repeat(40), '0x' + 'c'.repeat(40)];

let n = 0;
const tr = (block: number, ts: number, from: string, to: string, amount: string): TransferRow =>
  ({ token: T, block: BigInt(block), logIndex: n++, sub: 0, txHash: `0x${String(block).padStart(64, '0')}`, ts, from, to, tokenId: null, amount });

describe('evm transfer store', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('balances, daily holder history with carry-over, pages, and rollback', async () => {
    // day 0: mint 100 to A, A→B 40; day 2: B→C 40 (B empties); day 5: A→C 10
    await storeRange(db.pool, 's', 'test', [tr(1, D0 + 1000, ZERO, A, '100'), tr(2, D0 + 5000, A, B, '40')], [], { block: 2n, hash: '0x2' }, 0n);
    await storeRange(db.pool, 's', 'test', [tr(10, D0 + 2 * DAY + 7, B, C, '40')], [{ number: 10n, hash: '0x10', ts: D0 + 2 * DAY }], { block: 10n, hash: '0x10' }, 0n);
    await storeRange(db.pool, 's', 'test', [tr(20, D0 + 5 * DAY + 9, A, C, '10')], [{ number: 20n, hash: '0x20', ts: D0 + 5 * DAY }], { block: 20n, hash: '0x20' }, 0n);
    expect(await holders(db.pool, 'test', T, 10)).toEqual({ count: 2, top: [{ address: A, balance: '50' }, { address: C, balance: '50' }] });
    expect(await holderHistory(db.pool, 'test', T, D0 + 6 * DAY + 5)).toEqual([
      { day: D0, holders: 2 }, // A 60, B 40
      { day: D0 + DAY, holders: 2 }, // nothing happened: carried over
      { day: D0 + 2 * DAY, holders: 2 }, // A 60, C 40 (B is empty)
      { day: D0 + 3 * DAY, holders: 2 },
      { day: D0 + 4 * DAY, holders: 2 },
      { day: D0 + 5 * DAY, holders: 2 }, // A 50, C 50
      { day: D0 + 6 * DAY, holders: 2 },
    ]);
    const p1 = await transfers(db.pool, 'test', { wallet: C }, 1, null);
    expect(p1.map((t) => [t.block, t.from, t.amount])).toEqual([[20, A, '10']]);
    const p2 = await transfers(db.pool, 'test', { wallet: C }, 1, { block: p1[0].block, logIndex: p1[0].log_index });
    expect(p2.map((t) => [t.block, t.from, t.amount])).toEqual([[10, B, '40']]);
    // A reorg replaced everything after block 10: A→C 10 is undone.
    expect(await rollbackAfter(db.pool, 's', 'test', { block: 10n, hash: '0x10' })).toBe(1);
    expect(await holders(db.pool, 'test', T, 10)).toEqual({ count: 2, top: [{ address: A, balance: '60' }, { address: C, balance: '40' }] });
    expect(await readSync(db.pool, 's')).toEqual({ block: 10n, hash: '0x10' });
    expect((await db.pool.query('SELECT number::int FROM evm_blocks ORDER BY 1')).rows).toEqual([{ number: 10 }]);
    // Storing the same range again counts nothing twice.
    await storeRange(db.pool, 's', 'test', [tr(10, D0 + 2 * DAY + 7, B, C, '40')].map((t) => ({ ...t, logIndex: 2 })), [], { block: 10n, hash: '0x10' }, 0n);
    expect((await holders(db.pool, 'test', T, 10)).top).toEqual([{ address: A, balance: '60' }, { address: C, balance: '40' }]);
  });
});
