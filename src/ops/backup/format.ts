// The backup file: one gzip stream of text lines.
//   line 1:            {"format":"wick-backup","version":1,...manifest}
//   per table:         @table {"name":"trades","columns":["market_pk",...]}
//                      <rows in COPY text format, one per line>
//                      \.
//   per sequence:      @sequence {"name":"markets_pk_seq","last_value":12,"is_called":true}
//   last line:         @end {"tables":{"trades":12477,...}}
// COPY's text format escapes backslashes and newlines inside values, so a row never spans
// lines and a data line can never be "\." — the framing needs no other escaping.
export const FORMAT = 'wick-backup';
export const FORMAT_VERSION = 1;
export const END_OF_DATA = '\\.';

export interface BackupManifest {
  format: typeof FORMAT;
  version: number;
  wickVersion: string;
  createdAt: string;
  /** Postgres server version it was taken from, e.g. "15.8". */
  serverVersion: string;
  /** Migrations applied to the database it was taken from: the schema the data fits. */
  migrations: string[];
  /** Tables in restore order (referenced tables first). */
  tables: string[];
}

export interface TableHeader { name: string; columns: string[] }
export interface SequenceState { name: string; last_value: string; is_called: boolean }
export interface BackupTrailer { tables: Record<string, number> }

/** A backup's file name carries its time, so listings sort and rotation works without opening files. */
export function backupName(at: Date): string {
  return `wick-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}.backup.gz`;
}

export function timeOfName(name: string): Date | null {
  const m = /^wick-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.backup\.gz$/.exec(name);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}
