// Reads Komodo DeFi Framework (MM2) swap databases with sql.js (SQLite compiled to wasm: no
// native build). A file is read whole into memory and only used when it is consistent: not
// changing while read, not truncated (the header's page count matches the size), no hot
// rollback journal beside it (a transaction in progress), and passing SQLite's quick_check.
// Anything else is an UnreadableFile, which the source re-tries and then skips: a file is
// imported completely or not at all.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';

/** One row of `stats_swaps` (the seed nodes' index of finished swaps). */
export interface StatsSwapRow {
  id: number;
  uuid: string;
  makerCoin: string;
  takerCoin: string;
  /** Epoch seconds. */
  startedAt: number;
  /** Epoch seconds; 0/null while the swap is unfinished. */
  finishedAt: number | null;
  makerAmount: string;
  takerAmount: string;
  /** 1 success, 0 failure, null unknown. */
  isSuccess: number | null;
}

/** One row of `my_swaps` (a node's own swaps): only tells that a swap exists and whether it finished. */
export interface MySwapRow {
  uuid: string;
  myCoin: string;
  otherCoin: string;
  startedAt: number;
  finished: boolean | null;
}

export interface SwapFile {
  /** Path relative to the source folder, with "/" separators. */
  name: string;
  /** size:mtime of the file when it was read. */
  sig: string;
  stats: StatsSwapRow[];
  mySwaps: MySwapRow[];
}

export class UnreadableFile extends Error {}

let sqlPromise: Promise<SqlJsStatic> | null = null;
export function sqlJs(): Promise<SqlJsStatic> {
  sqlPromise ??= initSqlJs();
  return sqlPromise;
}

/** Swap database files under `dir` (recursive), skipping hidden files (rsync's temporaries) and SQLite side files. */
export async function listSwapFiles(dir: string, extensions: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && extensions.some((x) => e.name.endsWith(x))) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

export function relName(dir: string, file: string): string {
  return relative(dir, file).split(sep).join('/');
}

export async function fileSig(file: string): Promise<string> {
  const s = await stat(file);
  return `${s.size}:${Math.floor(s.mtimeMs)}`;
}

async function sideFileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** Checks the 100-byte SQLite header against the bytes read; returns a problem or null. */
export function headerProblem(bytes: Uint8Array): string | null {
  if (bytes.length < 100) return `too short to be a database (${bytes.length} bytes)`;
  const magic = new TextDecoder().decode(bytes.subarray(0, 15));
  if (magic !== 'SQLite format 3') return 'not an SQLite database';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw = view.getUint16(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return `bad page size ${raw}`;
  if (bytes.length % pageSize !== 0) return `truncated: ${bytes.length} bytes is not a whole number of ${pageSize}-byte pages`;
  const changeCounter = view.getUint32(24);
  const pages = view.getUint32(28);
  const validFor = view.getUint32(92);
  if (pages > 0 && changeCounter === validFor && bytes.length < pages * pageSize) {
    return `truncated: the header says ${pages} pages, the file has ${bytes.length / pageSize}`;
  }
  return null;
}

/** Reads one database consistently or throws UnreadableFile. */
export async function readSwapFile(dir: string, file: string): Promise<SwapFile> {
  const name = relName(dir, file);
  if ((await sideFileSize(`${file}-journal`)) > 0) throw new UnreadableFile(`${name}: locked (a rollback journal is beside it: a write is in progress)`);
  let before: string;
  let bytes: Buffer;
  let after: string;
  try {
    before = await fileSig(file);
    bytes = await readFile(file);
    after = await fileSig(file);
  } catch (e) {
    // Removed, renamed or not readable between listing and reading: try again later.
    throw new UnreadableFile(`${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (before !== after || `${bytes.length}` !== before.split(':')[0]) throw new UnreadableFile(`${name}: changed while it was read`);
  const problem = headerProblem(bytes);
  if (problem) throw new UnreadableFile(`${name}: ${problem}`);
  // WAL-mode files: sql.js reads the main file only (its last checkpoint), which is consistent.
  const data = new Uint8Array(bytes);
  if (data[18] === 2 || data[19] === 2) {
    data[18] = 1;
    data[19] = 1;
  }
  const SQL = await sqlJs();
  let db: Database | null = null;
  try {
    db = new SQL.Database(data);
    const check = db.exec('PRAGMA quick_check');
    const verdict = check[0]?.values[0]?.[0];
    if (verdict !== 'ok') throw new UnreadableFile(`${name}: damaged (quick_check: ${String(verdict)})`);
    const tables = new Set((db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0])));
    const stats = tables.has('stats_swaps') ? readStats(db) : [];
    const mySwaps = tables.has('my_swaps') ? readMySwaps(db) : [];
    return { name, sig: before, stats, mySwaps };
  } catch (e) {
    if (e instanceof UnreadableFile) throw e;
    throw new UnreadableFile(`${name}: ${(e as Error).message}`);
  } finally {
    db?.close();
  }
}

function rows(db: Database, sql: string): Array<Record<string, SqlValue>> {
  const stmt = db.prepare(sql);
  const out: Array<Record<string, SqlValue>> = [];
  try {
    while (stmt.step()) out.push(stmt.getAsObject());
  } finally {
    stmt.free();
  }
  return out;
}

function columns(db: Database, table: string): Set<string> {
  return new Set(rows(db, `PRAGMA table_info(${table})`).map((r) => String(r.name)));
}

/** Amounts are DECIMAL columns: SQLite keeps them as integers, reals or text; all become exact decimal strings. */
function amount(v: SqlValue): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : expand(String(v));
  if (typeof v === 'string') return v.trim();
  return '';
}

function expand(s: string): string {
  if (!/e/i.test(s)) return s;
  const n = Number(s);
  return n.toFixed(20).replace(/\.?0+$/, '');
}

function readStats(db: Database): StatsSwapRow[] {
  const have = columns(db, 'stats_swaps');
  const need = ['id', 'maker_coin', 'taker_coin', 'uuid', 'maker_amount', 'taker_amount'];
  const missing = need.filter((c) => !have.has(c));
  if (missing.length) throw new UnreadableFile(`stats_swaps lacks ${missing.join(', ')}`);
  const started = have.has('started_at') ? 'started_at' : have.has('maker_started_at') ? 'maker_started_at' : 'NULL';
  const finished = have.has('finished_at') ? 'finished_at' : 'NULL';
  const success = have.has('is_success') ? 'is_success' : 'NULL';
  return rows(db, `SELECT id, uuid, maker_coin, taker_coin, ${started} AS started_at, ${finished} AS finished_at,
                          maker_amount, taker_amount, ${success} AS is_success
                   FROM stats_swaps ORDER BY id`).map((r) => ({
    id: Number(r.id),
    uuid: String(r.uuid),
    makerCoin: String(r.maker_coin),
    takerCoin: String(r.taker_coin),
    startedAt: Number(r.started_at ?? 0),
    finishedAt: r.finished_at === null || r.finished_at === undefined ? null : Number(r.finished_at),
    makerAmount: amount(r.maker_amount),
    takerAmount: amount(r.taker_amount),
    isSuccess: r.is_success === null || r.is_success === undefined ? null : Number(r.is_success),
  }));
}

function readMySwaps(db: Database): MySwapRow[] {
  const have = columns(db, 'my_swaps');
  const finished = have.has('is_finished') ? 'is_finished' : 'NULL';
  return rows(db, `SELECT uuid, my_coin, other_coin, started_at, ${finished} AS is_finished FROM my_swaps`).map((r) => ({
    uuid: String(r.uuid),
    myCoin: String(r.my_coin),
    otherCoin: String(r.other_coin),
    startedAt: Number(r.started_at ?? 0),
    finished: r.is_finished === null || r.is_finished === undefined ? null : Number(r.is_finished) === 1,
  }));
}
