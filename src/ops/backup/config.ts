// The `backup` configuration section.
import { z } from 'zod';
import { duration } from '../../config/units.js';

const s3Schema = z.strictObject({
  bucket: z.string().min(1),
  /** Key prefix inside the bucket, e.g. "wick/prod/". */
  prefix: z.string().default(''),
  /** S3-compatible endpoint (MinIO, Backblaze B2, …); AWS when absent. */
  endpoint: z.url().optional(),
  region: z.string().min(1).default('us-east-1'),
  /** Path-style URLs (bucket in the path), which MinIO and most S3-compatible servers need. */
  forcePathStyle: z.boolean().default(true),
  /** Credentials; default to the AWS SDK's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles). Write them as ${ENV_VAR}. */
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
});

const keepSchema = z.strictObject({
  /** The newest N backups are always kept. */
  last: z.number().int().min(1).default(7),
  /** Plus the newest backup of each of the last N days (UTC). */
  daily: z.number().int().min(0).default(7),
  /** Plus the newest backup of each of the last N ISO weeks. */
  weekly: z.number().int().min(0).default(4),
});

export const backupConfigSchema = z.strictObject({
  /** Local directory for backups (relative to the data directory); null to keep them only in S3. */
  dir: z.string().min(1).nullable().default('backups'),
  s3: s3Schema.optional(),
  keep: keepSchema.default(keepSchema.parse({})),
  /** Run a backup as a background job this often (e.g. "1d", "6h"); off when absent. */
  every: duration.optional(),
  /** gzip level 1 (fast) … 9 (small). */
  compressionLevel: z.number().int().min(1).max(9).default(6),
}).superRefine((c, ctx) => {
  if (c.dir === null && !c.s3) ctx.addIssue({ code: 'custom', path: ['dir'], message: 'backups need somewhere to go: a local dir, s3, or both' });
});

export type BackupConfig = z.output<typeof backupConfigSchema>;
export type S3Config = z.output<typeof s3Schema>;
export type KeepPolicy = z.output<typeof keepSchema>;
export const defaultBackupConfig = (): BackupConfig => backupConfigSchema.parse({});
