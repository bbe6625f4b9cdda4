// Where backups are kept: a local directory and/or an S3-compatible bucket.
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from './config.js';
import { timeOfName } from './format.js';

export interface StoredBackup { name: string; bytes: number; location: string; time: Date }

export interface BackupStore {
  /** "local:/path" or "s3://bucket/prefix". */
  readonly description: string;
  put(name: string, file: string): Promise<string>;
  list(): Promise<StoredBackup[]>;
  open(name: string): Promise<Readable>;
  remove(name: string): Promise<void>;
}

export class LocalStore implements BackupStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = resolve(dir);
  }
  get description() { return this.dir; }
  async put(name: string, file: string): Promise<string> {
    // The dump is written straight into the directory (see runBackup), so this is a no-op
    // unless the file was made elsewhere.
    await mkdir(this.dir, { recursive: true });
    const target = join(this.dir, name);
    if (resolve(file) !== target) {
      const { copyFile } = await import('node:fs/promises');
      await copyFile(file, target);
    }
    return target;
  }
  async list(): Promise<StoredBackup[]> {
    const names = await readdir(this.dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
    const out: StoredBackup[] = [];
    for (const name of names) {
      const time = timeOfName(name);
      if (!time) continue;
      const st = await stat(join(this.dir, name));
      out.push({ name, bytes: st.size, location: join(this.dir, name), time });
    }
    return out.sort((a, b) => a.time.getTime() - b.time.getTime());
  }
  async open(name: string): Promise<Readable> {
    return createReadStream(join(this.dir, name));
  }
  async remove(name: string): Promise<void> {
    await rm(join(this.dir, name), { force: true });
  }
}

// The AWS SDK is loaded only when S3 is used: it is large, and most processes never need it.
const sdk = () => import('@aws-sdk/client-s3');

export class S3Store implements BackupStore {
  private s3: Promise<S3Client> | null = null;
  private readonly prefix: string;
  constructor(private readonly cfg: S3Config) {
    this.prefix = cfg.prefix && !cfg.prefix.endsWith('/') ? `${cfg.prefix}/` : cfg.prefix;
  }
  private client(): Promise<S3Client> {
    const cfg = this.cfg;
    this.s3 ??= sdk().then(({ S3Client }) => new S3Client({
      region: cfg.region,
      endpoint: cfg.endpoint,
      forcePathStyle: cfg.forcePathStyle,
      // Checksums only where S3 requires them: many S3-compatible servers (B2, older MinIO)
      // reject the SDK's default streaming-checksum uploads.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: cfg.accessKeyId && cfg.secretAccessKey ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } : undefined,
    }));
    return this.s3;
  }
  get description() { return `s3://${this.cfg.bucket}/${this.prefix}`; }
  async put(name: string, file: string): Promise<string> {
    const { size } = await stat(file);
    const { PutObjectCommand } = await sdk();
    await (await this.client()).send(new PutObjectCommand({
      Bucket: this.cfg.bucket, Key: this.prefix + name, Body: createReadStream(file), ContentLength: size, ContentType: 'application/gzip',
    }));
    return `s3://${this.cfg.bucket}/${this.prefix}${name}`;
  }
  async list(): Promise<StoredBackup[]> {
    const out: StoredBackup[] = [];
    let token: string | undefined;
    const { ListObjectsV2Command } = await sdk();
    do {
      const r = await (await this.client()).send(new ListObjectsV2Command({ Bucket: this.cfg.bucket, Prefix: this.prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) {
        const name = (o.Key ?? '').slice(this.prefix.length);
        const time = timeOfName(name);
        if (time) out.push({ name, bytes: Number(o.Size ?? 0), location: `s3://${this.cfg.bucket}/${o.Key}`, time });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => a.time.getTime() - b.time.getTime());
  }
  async open(name: string): Promise<Readable> {
    return this.openKey(this.prefix + name);
  }
  async openKey(key: string): Promise<Readable> {
    const { GetObjectCommand } = await sdk();
    const r = await (await this.client()).send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: key }));
    return r.Body as Readable;
  }
  async remove(name: string): Promise<void> {
    const { DeleteObjectCommand } = await sdk();
    await (await this.client()).send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: this.prefix + name }));
  }
  close(): void {
    void this.s3?.then((c) => c.destroy());
  }
}
