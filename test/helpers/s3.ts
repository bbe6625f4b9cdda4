// A minimal S3-compatible server on loopback (path-style: PUT/GET/DELETE /bucket/key and
// ListObjectsV2), holding objects in memory. Enough for Wick's backup store; signatures are
// not checked, but requests must carry one.
import { loopbackServer, type LoopbackServer } from './http.js';

export interface FakeS3 extends LoopbackServer { objects: Map<string, Buffer> }

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function s3Server(): Promise<FakeS3> {
  const objects = new Map<string, Buffer>();
  const server = await loopbackServer(async (url, req, res) => {
    if (!/^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization ?? ''))) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code></Error>');
      return;
    }
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const id = `${bucket}/${key}`;
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      objects.set(id, Buffer.concat(chunks));
      res.writeHead(200, { etag: '"1"' });
      res.end();
    } else if (req.method === 'GET' && !key && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const hits = [...objects].filter(([k]) => k.startsWith(`${bucket}/${prefix}`));
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${hits.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${hits.map(([k, v]) => `<Contents><Key>${xml(k.slice(bucket.length + 1))}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"1"</ETag><Size>${v.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('')}</ListBucketResult>`);
    } else if (req.method === 'GET') {
      const body = objects.get(id);
      if (!body) {
        res.writeHead(404, { 'content-type': 'application/xml' });
        res.end(`<Error><Code>NoSuchKey</Code><Key>${xml(key)}</Key></Error>`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, etag: '"1"' });
      res.end(body);
    } else if (req.method === 'DELETE') {
      objects.delete(id);
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(405);
      res.end();
    }
  });
  return Object.assign(server, { objects });
}
