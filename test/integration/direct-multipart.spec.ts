/**
 * S3Storage's direct multipart uploads on the real S3 server: the server starts the upload and
 * signs the parts, a client without credentials (plain `fetch` here, a browser in
 * test/e2e/uppy-browser.spec.ts) PUTs them, and the server completes or aborts.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { FileNotFoundError, NotImplementedError, S3Storage } from '../../lib/index.js';
import { describeFaithful, itFaithful, rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

const MiB = 1024 * 1024;
const s3 = rawClient();
const location = uniqueLocation('direct-multipart');
const storage = new S3Storage(s3Options({ location }));

afterAll(async () => {
  await storage.close();
  s3.destroy();
});

/** PUTs `body` to a presigned part URL as a browser would (no credentials) and answers its ETag. */
async function putPart(url: string, body: Buffer): Promise<string> {
  const response = await fetch(url, { method: 'PUT', body });
  if (!response.ok) throw new Error(`part PUT answered ${response.status}: ${await response.text()}`);
  return response.headers.get('etag')!;
}

async function stored(key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function openUploads(prefix: string): Promise<string[]> {
  const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: prefix }));
  return (page.Uploads ?? []).map((upload) => upload.Key!);
}

describe('S3Storage direct multipart uploads', () => {
  it('goes up part by part from a client without credentials, and answers the stored file', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(123_457)];
    const { name, uploadId } = await storage.createMultipartUpload('docs//report.pdf');
    expect(name).toBe('docs/report.pdf');
    // Out of order, as concurrent parts arrive.
    const etags = await Promise.all(
      parts.map(async (body, i) => ({
        partNumber: i + 1,
        etag: await putPart(await storage.signUploadPart(name, uploadId, i + 1), body),
      })),
    );
    const stat = await storage.completeMultipartUpload(name, uploadId, etags.reverse());
    const whole = Buffer.concat(parts);
    expect(stat).toMatchObject({ name: 'docs/report.pdf', size: whole.length, contentType: 'application/pdf' });
    expect(stat.lastModified).toBeInstanceOf(Date);
    expect(stat.etag).not.toMatch(/"/);
    expect((await stored(`${location}/docs/report.pdf`)).equals(whole)).toBe(true);
  });

  it('signs a part URL without a checksum of an empty body, even when the client sends checksums by default', async () => {
    const checksummed = new S3Storage(s3Options({ location, requestChecksumCalculation: 'WHEN_SUPPORTED' }));
    try {
      const { name, uploadId } = await checksummed.createMultipartUpload('checksums.bin', {
        contentType: 'application/x-test',
      });
      const url = await checksummed.signUploadPart(name, uploadId, 1);
      expect(url).not.toMatch(/x-amz-(sdk-)?checksum/i);
      const body = randomBytes(1000);
      const etag = await putPart(url, body);
      const stat = await checksummed.completeMultipartUpload(name, uploadId, [{ partNumber: 1, etag }]);
      expect(stat).toMatchObject({ size: 1000, contentType: 'application/x-test' });
      expect((await stored(`${location}/checksums.bin`)).equals(body)).toBe(true);
    } finally {
      await checksummed.close();
    }
  });

  it('refuses part numbers outside 1 to 10,000 and names outside the storage before any request', async () => {
    for (const partNumber of [0, 10_001, 1.5, NaN]) {
      await expect(storage.signUploadPart('a.bin', 'id', partNumber)).rejects.toThrow(RangeError);
    }
    await expect(storage.createMultipartUpload('../escape.bin')).rejects.toThrow(/denied/);
    await expect(storage.completeMultipartUpload('a.bin', 'id', [])).rejects.toThrow(RangeError);
  });

  it('refuses SSE-C with a clear error: the client would need the customer key', async () => {
    class CustomerKeyStorage extends S3Storage {
      override getObjectParameters(): Record<string, unknown> {
        return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'k'.repeat(32) };
      }
    }
    const sseC = new CustomerKeyStorage(s3Options({ location }));
    try {
      await expect(sseC.createMultipartUpload('secret.bin')).rejects.toThrow(NotImplementedError);
      await expect(sseC.createMultipartUpload('secret.bin')).rejects.toThrow(/SSE-C/);
      await expect(sseC.signUploadPart('secret.bin', 'id', 1)).rejects.toThrow(/customer key/);
    } finally {
      await sseC.close();
    }
  });

  it('a part URL past its expiry is refused by S3', async () => {
    const { name, uploadId } = await storage.createMultipartUpload('expired.bin');
    const url = await storage.signUploadPart(name, uploadId, 1, { expire: 0 });
    const response = await fetch(url, { method: 'PUT', body: Buffer.from('late') });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/AccessDenied/);
  });

  describeFaithful(
    'listing and aborting',
    's3rver has no ListParts, AbortMultipartUpload nor ListMultipartUploads',
    () => {
      it('lists the parts held so far with their sizes, and an abort drops the upload', async () => {
        const { name, uploadId } = await storage.createMultipartUpload('listed.bin');
        const first = randomBytes(5 * MiB);
        const etag = await putPart(await storage.signUploadPart(name, uploadId, 1), first);
        await putPart(await storage.signUploadPart(name, uploadId, 2), Buffer.from('tail'));
        await expect(storage.listUploadParts(name, uploadId)).resolves.toEqual([
          { partNumber: 1, etag: etag.replace(/"/g, ''), size: 5 * MiB },
          { partNumber: 2, etag: expect.any(String), size: 4 },
        ]);
        expect(await openUploads(`${location}/listed.bin`)).toEqual([`${location}/listed.bin`]);
        await storage.abortMultipartUpload(name, uploadId);
        expect(await openUploads(`${location}/listed.bin`)).toEqual([]);
        await expect(storage.listUploadParts(name, uploadId)).rejects.toThrow(FileNotFoundError);
        await expect(storage.abortMultipartUpload(name, uploadId)).rejects.toThrow(FileNotFoundError);
        await expect(storage.completeMultipartUpload(name, uploadId, [{ partNumber: 1, etag }])).rejects.toThrow(
          FileNotFoundError,
        );
        await expect(storage.exists(name)).resolves.toBe(false);
      });

      it('abortIncompleteUploads sweeps the uploads under location (and path) older than asked, a day by default', async () => {
        const sweeper = new S3Storage(s3Options({ location: `${location}/sweep` }));
        const neighbour = new S3Storage(s3Options({ location: `${location}/sweep-neighbour` }));
        try {
          await sweeper.createMultipartUpload('tmp/a.bin');
          await sweeper.createMultipartUpload('tmp/b.bin');
          await sweeper.createMultipartUpload('keep/c.bin');
          await neighbour.createMultipartUpload('tmp/d.bin');
          // Just started: not a day old.
          await expect(sweeper.abortIncompleteUploads()).resolves.toBe(0);
          const future = new Date(Date.now() + 60_000);
          await expect(sweeper.abortIncompleteUploads({ olderThan: future, path: 'tmp' })).resolves.toBe(2);
          expect(await openUploads(`${location}/sweep/`)).toEqual([`${location}/sweep/keep/c.bin`]);
          await expect(sweeper.abortIncompleteUploads({ olderThan: future })).resolves.toBe(1);
          expect(await openUploads(`${location}/sweep/`)).toEqual([]);
          expect(await openUploads(`${location}/sweep-neighbour/`)).toEqual([`${location}/sweep-neighbour/tmp/d.bin`]);
          await expect(neighbour.abortIncompleteUploads({ olderThan: future })).resolves.toBe(1);
        } finally {
          await sweeper.close();
          await neighbour.close();
        }
      });
    },
  );

  itFaithful('an unknown upload id is FileNotFoundError', 's3rver does not check upload ids', async () => {
    await expect(storage.signUploadPart('nothing.bin', 'no-such-upload', 1)).resolves.toMatch(/^http/);
    await expect(
      storage.completeMultipartUpload('nothing.bin', 'no-such-upload', [{ partNumber: 1, etag: 'x' }]),
    ).rejects.toThrow(FileNotFoundError);
  });
});
