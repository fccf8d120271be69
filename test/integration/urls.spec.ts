/**
 * URLs against the real S3 server, used as a browser would use them: plain fetch for presigned
 * GET and PUT and unsigned GET, a multipart form for presigned POST. Refusals of tampered URLs
 * need a server that checks signatures (Ceph, not s3rver).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { S3StaticStorage, S3Storage } from '../../lib/index.js';
import { faithful, rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

const location = uniqueLocation('urls');
const storage = new S3Storage(s3Options({ location }));
const raw = rawClient();

afterAll(async () => {
  await storage.close();
  raw.destroy();
});

async function stored(key: string): Promise<{ body: Buffer; contentType?: string }> {
  const object = await raw.send(new GetObjectCommand({ Bucket: server.bucket, Key: `${location}/${key}` }));
  return { body: Buffer.from(await object.Body!.transformToByteArray()), contentType: object.ContentType };
}

describe('presigned GET', () => {
  beforeAll(() => storage.save('docs/a b+c.txt', 'hello, world'));

  test('returns the object', async () => {
    const response = await fetch(await storage.url('docs/a b+c.txt'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello, world');
  });

  test('with ResponseContentDisposition, the header comes back', async () => {
    const disposition = 'attachment; filename="report.txt"';
    const url = await storage.url('docs/a b+c.txt', {
      parameters: { ResponseContentDisposition: disposition, ResponseContentType: 'application/x-report' },
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(response.headers.get('content-type')).toBe('application/x-report');
  });

  test('an expired URL is refused', async () => {
    const url = await storage.url('docs/a b+c.txt', { expire: 1 });
    await sleep(2100);
    expect((await fetch(url)).status).toBe(403);
  });

  (faithful ? test : test.skip)('a tampered URL is refused (s3rver does not check signatures)', async () => {
    const url = new URL(await storage.url('docs/a b+c.txt'));
    url.searchParams.set('X-Amz-Expires', '7200');
    expect((await fetch(url)).status).toBe(403);
    const signature = url.searchParams.get('X-Amz-Signature')!;
    const other = new URL(await storage.url('docs/a b+c.txt'));
    other.searchParams.set(
      'X-Amz-Signature',
      signature.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    );
    expect((await fetch(other)).status).toBe(403);
  });

  (faithful ? test : test.skip)('a URL signed with a wrong secret is refused (s3rver does not check)', async () => {
    const wrong = new S3Storage(s3Options({ location, secretKey: 'not-the-secret' }));
    expect((await fetch(await wrong.url('docs/a b+c.txt'))).status).toBe(403);
    await wrong.close();
  });
});

describe('unsigned URL', () => {
  test('of a public-read object returns it', async () => {
    const statics = new S3StaticStorage(s3Options({ location, defaultAcl: 'public-read' }));
    await statics.save('css/app one.css', 'body{}');
    const url = await statics.url('css/app one.css');
    expect(url).toBe(`${server.endpoint}/${server.bucket}/${location}/css/app%20one.css`);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('body{}');
    await statics.close();
  });
});

describe('presigned PUT', () => {
  test('uploads from a plain fetch, byte-exact', async () => {
    const bytes = randomBytes(100_000);
    const url = await storage.url('up/put one.bin', { httpMethod: 'PUT' });
    const response = await fetch(url, { method: 'PUT', body: bytes });
    expect(response.status).toBe(200);
    expect((await stored('up/put one.bin')).body.equals(bytes)).toBe(true);
  });

  test('works from a client that computes SDK checksums on every request', async () => {
    const eager = new S3Storage(
      s3Options({
        location,
        requestChecksumCalculation: 'WHEN_SUPPORTED',
        responseChecksumValidation: 'WHEN_SUPPORTED',
      }),
    );
    const url = await eager.url('up/eager.bin', { httpMethod: 'PUT' });
    expect(url).not.toMatch(/checksum/i);
    const bytes = randomBytes(10_000);
    expect((await fetch(url, { method: 'PUT', body: bytes })).status).toBe(200);
    expect((await stored('up/eager.bin')).body.equals(bytes)).toBe(true);
    await eager.close();
  });

  (faithful ? test : test.skip)('is refused for another key or method (s3rver does not check signatures)', async () => {
    const url = await storage.url('up/mine.bin', { httpMethod: 'PUT' });
    expect((await fetch(url.replace('mine.bin', 'theirs.bin'), { method: 'PUT', body: 'x' })).status).toBe(403);
    expect((await fetch(url)).status).toBe(403);
  });
});

describe('uploadUrl (presigned POST)', () => {
  async function post(upload: { url: string; fields: Record<string, string> }, file: Blob, filename = 'upload') {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', file, filename);
    return fetch(upload.url, { method: 'POST', body: form });
  }

  test('uploads from a plain HTTP form: the object is there with its content type', async () => {
    const bytes = randomBytes(50_000);
    const upload = await storage.uploadUrl('forms/photo one.png', { maxSize: 1_000_000 });
    const response = await post(upload, new Blob([bytes], { type: 'application/octet-stream' }), 'whatever.bin');
    expect(response.status).toBe(204);
    const object = await stored('forms/photo one.png');
    expect(object.body.equals(bytes)).toBe(true);
    expect(object.contentType).toBe('image/png');
  });

  test('carries the storage object parameters', async () => {
    const withParams = new S3Storage(
      s3Options({ location, objectParameters: { CacheControl: 'max-age=60', Metadata: { owner: 'me' } } }),
    );
    const upload = await withParams.uploadUrl('forms/doc.txt', { contentType: 'text/markdown' });
    expect((await post(upload, new Blob(['# hi']))).status).toBe(204);
    const head = await raw.send(new HeadObjectCommand({ Bucket: server.bucket, Key: `${location}/forms/doc.txt` }));
    expect(head).toMatchObject({ ContentType: 'text/markdown', Metadata: { owner: 'me' } });
    // Ceph RGW 16.2 drops a form's Cache-Control (S3 and s3rver keep it).
    if (server.kind !== 'ceph') expect(head.CacheControl).toBe('max-age=60');
    await withParams.close();
  });

  (faithful ? test : test.skip)('refuses a file over maxSize (s3rver does not check the policy)', async () => {
    const upload = await storage.uploadUrl('forms/big.bin', { maxSize: 10 });
    const response = await post(upload, new Blob([randomBytes(11)]));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('EntityTooLarge');
  });

  (faithful ? test : test.skip)(
    'refuses another content type than the policy pins (s3rver does not check)',
    async () => {
      const upload = await storage.uploadUrl('forms/pinned.txt');
      upload.fields['Content-Type'] = 'text/html';
      expect((await post(upload, new Blob(['<script>']))).status).toBe(403);
    },
  );
});
