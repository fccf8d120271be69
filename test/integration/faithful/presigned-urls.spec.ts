/**
 * `url()` hands out bearer tokens: a presigned URL must open exactly one object, for a limited
 * time, and nothing else. Only a server that verifies SigV4 can show that (Ceph RGW, AWS, MinIO);
 * s3rver answers 200 to a tampered signature.
 */
import { S3Storage } from '../../../lib/index.js';
import { describeFaithful, s3Options, uniqueLocation } from '../../support/s3.js';

const SIGV4 = 's3rver does not verify SigV4 signatures (a tampered or foreign URL still gets 200)';

/** The same URL with one query parameter replaced; serialised the same way whether or not it changed. */
function withParameter(url: string, name: string, value: (old: string) => string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value(parsed.searchParams.get(name)!));
  return parsed.href;
}

const flipLastHexDigit = (hex: string) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');

async function status(url: string, init?: RequestInit): Promise<number> {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return response.status;
}

async function readText(storage: S3Storage, name: string): Promise<string> {
  await using file = await storage.open(name, 'r');
  return file.read();
}

describeFaithful('presigned URLs on a server that verifies signatures', SIGV4, () => {
  const location = uniqueLocation('presign');
  const storage = new S3Storage(s3Options({ location }));

  beforeAll(async () => {
    await storage.save('a.txt', 'the content of a');
    await storage.save('b.txt', 'the content of b');
  });
  afterAll(() => storage.close());

  it('serves the object it was signed for, also after the query string is re-serialised', async () => {
    const url = await storage.url('a.txt');
    const response = await fetch(withParameter(url, 'X-Amz-Signature', (signature) => signature));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('the content of a');
  });

  it('refuses a URL whose signature was altered', async () => {
    const url = await storage.url('a.txt');
    expect(await status(url)).toBe(200);
    expect(await status(withParameter(url, 'X-Amz-Signature', flipLastHexDigit))).toBe(403);
  });

  it('refuses a URL whose expiry was extended', async () => {
    const url = await storage.url('a.txt', { expire: 60 });
    expect(await status(url)).toBe(200);
    expect(await status(withParameter(url, 'X-Amz-Expires', () => '604800'))).toBe(403);
  });

  it('refuses a URL signed for one key when it is used for another', async () => {
    const url = new URL(await storage.url('a.txt'));
    expect(await status(url.href)).toBe(200);
    url.pathname = url.pathname.replace(/a\.txt$/, 'b.txt');
    expect(await status(url.href)).toBe(403);
  });

  it('refuses a URL once it has expired', async () => {
    const url = await storage.url('a.txt', { expire: 1 });
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('1');
    // Not a timing assertion: only long enough for a 1-second URL to be certainly past its expiry.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await status(url)).toBe(403);
  });

  it('refuses the object without a signature: objects are private unless defaultAcl says otherwise', async () => {
    const unsigned = new S3Storage(s3Options({ location, querystringAuth: false }));
    try {
      expect(await status(await unsigned.url('a.txt'))).toBe(403);
    } finally {
      await unsigned.close();
    }
  });

  it('a PUT URL writes the key it was signed for and no other', async () => {
    const url = new URL(await storage.url('upload.txt', { httpMethod: 'PUT' }));
    expect(await status(url.href, { method: 'PUT', body: 'uploaded' })).toBe(200);
    expect(await readText(storage, 'upload.txt')).toBe('uploaded');

    url.pathname = url.pathname.replace(/upload\.txt$/, 'a.txt');
    expect(await status(url.href, { method: 'PUT', body: 'overwritten' })).toBe(403);
    expect(await readText(storage, 'a.txt')).toBe('the content of a');
  });
});
