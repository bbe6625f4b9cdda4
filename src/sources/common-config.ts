import { z } from 'zod';

/** Source ids name cursors and appear in commands (`wick ingest <id>`), so keep them simple. */
export const sourceId = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, "-" or "_" (e.g. "binance")');
