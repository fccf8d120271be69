/**
 * With the SDK's flexible checksums off (`WHEN_REQUIRED`, the default for third-party servers),
 * a body that changes on the way is caught by `Content-MD5`: objects and parts go with an unsigned
 * payload (their MD5 is what is signed), and a client that signs the payload's SHA-256 anyway is
 * caught by that too. A proxy flips one byte of a request body:
 * the server must refuse it, the retry must store the right bytes, and the object must hold
 * exactly what was saved. s3rver checks neither the payload hash nor Content-MD5.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3Storage } from '../../../lib/index.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../../support/fault-proxy.js';
import { describeFaithful, rawClient, s3Options, server, uniqueLocation } from '../../support/s3.js';

const WHY = 's3rver checks neither Content-MD5 nor the payload hash, so a flipped byte is stored as sent';
const MiB = 1024 * 1024;

describeFaithful('Content-MD5 on every write when request checksums are WHEN_REQUIRED', WHY, () => {
  const location = uniqueLocation('content-md5');
  const raw = rawClient();
  let proxy: FaultProxy;
  /** Signs each payload's SHA-256, as the SDK does for a body it is left to hash. */
  let signed: S3Storage;
  /** As configured: objects and parts go with `UNSIGNED-PAYLOAD`, so Content-MD5 alone checks them. */
  let unsigned: S3Storage;

  beforeAll(async () => {
    proxy = await startFaultProxy(server.endpoint);
    signed = new S3Storage(s3Options({ location, endpointUrl: proxy.endpoint, fileOverwrite: true }));
    unsigned = new S3Storage(s3Options({ location, endpointUrl: proxy.endpoint, fileOverwrite: true }));
    signed.client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; body?: unknown };
        if (request.body instanceof Uint8Array || typeof request.body === 'string') {
          request.headers['x-amz-content-sha256'] = createHash('sha256').update(request.body).digest('hex');
        }
        return next(args);
      },
      // Before the storage's own build middleware, which keeps a payload hash it finds.
      { step: 'build', priority: 'high', name: 'signedPayload' },
    );
  });
  afterAll(async () => {
    await signed.close();
    await unsigned.close();
    await proxy.close();
    raw.destroy();
  });
  beforeEach(() => {
    proxy.clear();
    proxy.decide = undefined;
  });

  /** Flips a byte of the first request that `matches`, once. */
  function flipFirst(matches: (request: ProxiedRequest) => boolean): void {
    let done = false;
    proxy.decide = (request) => {
      if (done || !matches(request)) return undefined;
      done = true;
      return 'flip';
    };
  }

  async function stored(name: string): Promise<Buffer> {
    const { Body } = await raw.send(new GetObjectCommand({ Bucket: server.bucket, Key: `${location}/${name}` }));
    return Buffer.from(await Body!.transformToByteArray());
  }

  it.each([
    ['an unsigned payload, by Content-MD5 (BadDigest)', () => unsigned],
    ['a signed payload, by its SHA-256', () => signed],
  ])('a PutObject whose body changed on the way is refused, retried and stored right: %s', async (_, storage) => {
    const content = randomBytes(64 * 1024);
    const name = `one-put-${randomBytes(4).toString('hex')}.bin`;
    flipFirst((request) => request.method === 'PUT' && request.key === `${location}/${name}`);

    await storage().save(name, content);

    const puts = proxy.requests.filter((request) => request.method === 'PUT');
    expect(puts.map((request) => [request.fault, request.status])).toEqual([
      ['flip', 400],
      [undefined, 200],
    ]);
    expect(puts.every((request) => request.contentMd5)).toBe(true);
    expect(puts.every((request) => (request.payloadHash === 'UNSIGNED-PAYLOAD') === (storage() === unsigned))).toBe(
      true,
    );
    expect((await stored(name)).equals(content)).toBe(true);
  });

  it('an UploadPart whose body changed on the way is refused, retried and stored right', async () => {
    const content = randomBytes(11 * MiB);
    const isPart = (request: ProxiedRequest) => request.method === 'PUT' && request.url.includes('partNumber=');
    flipFirst(isPart);

    // A stream of unknown length goes multipart.
    await unsigned.save('parts.bin', Readable.from([content.subarray(0, 6 * MiB), content.subarray(6 * MiB)]));

    const parts = proxy.requests.filter(isPart);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.filter((request) => request.fault === 'flip').map((request) => request.status)).toEqual([400]);
    expect(parts.every((request) => request.contentMd5)).toBe(true);
    expect((await stored('parts.bin')).equals(content)).toBe(true);
  });

  // Ceph does not check a DeleteObjects body's digest (a wrong one is accepted), so only the
  // header itself is seen here; servers that predate the SDK's CRC32 require Content-MD5 on it.
  it('DeleteObjects sends Content-MD5', async () => {
    await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${location}/gone.txt`, Body: 'x' }));

    const { Deleted = [], Errors = [] } = await unsigned.client.send(
      new DeleteObjectsCommand({ Bucket: server.bucket, Delete: { Objects: [{ Key: `${location}/gone.txt` }] } }),
    );

    const posts = proxy.requests.filter((request) => request.method === 'POST' && request.url.includes('delete'));
    expect(posts.map((request) => Boolean(request.contentMd5))).toEqual([true]);
    expect(Errors).toEqual([]);
    expect(Deleted.map((deleted) => deleted.Key)).toEqual([`${location}/gone.txt`]);
  });

  it('leaves a Content-MD5 the caller computed alone', async () => {
    const md5 = 'XUFAKrxLKna5cZ2REBfFkg=='; // MD5 of 'hello'
    await signed.client.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: `${location}/own.txt`, Body: 'hello', ContentMD5: md5 }),
    );
    expect(proxy.requests.find((request) => request.method === 'PUT')?.contentMd5).toBe(md5);
  });
});
