/**
 * A write that does not finish must not leave an incomplete multipart upload behind: its parts
 * stay in the bucket, invisible and billed, until someone aborts it. s3rver can neither list nor
 * abort multipart uploads, so only a faithful server shows what is left.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ListMultipartUploadsCommand, ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3Storage } from '../../../lib/index.js';
import { describeFaithful, rawClient, s3Options, server, uniqueLocation } from '../../support/s3.js';

const MULTIPART = 's3rver cannot list or abort multipart uploads (ListMultipartUploads is not implemented)';
const MiB = 1024 * 1024;

/**
 * A client whose upload of part `partNumber` arrives with a Content-MD5 that does not match its
 * bytes, as a part corrupted in transit would: the server itself refuses it (400 BadDigest).
 */
function clientCorruptingPart(partNumber: number): S3Client {
  const client = rawClient();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { query?: Record<string, string>; headers: Record<string, string> };
      if (context.commandName === 'UploadPartCommand' && request.query?.partNumber === String(partNumber)) {
        request.headers['content-md5'] = createHash('md5').update('other bytes').digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'corruptPartDigest' },
  );
  return client;
}

describeFaithful('no incomplete multipart upload is left behind', MULTIPART, () => {
  const location = uniqueLocation('incomplete-uploads');
  const raw = rawClient();
  const corrupting = clientCorruptingPart(2);
  const storage = new S3Storage(s3Options({ location, fileBufferSize: 5 * MiB }));
  afterAll(async () => {
    await storage.close();
    raw.destroy();
    corrupting.destroy();
  });

  async function uploadsOf(name: string) {
    const { Uploads = [] } = await raw.send(
      new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: `${location}/${name}` }),
    );
    return Uploads;
  }

  async function partsOf(name: string): Promise<number> {
    let parts = 0;
    for (const upload of await uploadsOf(name)) {
      const { Parts = [] } = await raw.send(
        new ListPartsCommand({ Bucket: server.bucket, Key: upload.Key, UploadId: upload.UploadId }),
      );
      parts += Parts.length;
    }
    return parts;
  }

  it('S3File.abort() after parts were uploaded', async () => {
    const file = await storage.open('aborted.bin', 'wb');
    await file.write(Buffer.alloc(6 * MiB, 1)); // the first 5 MiB part is sent once the 6th MiB arrives
    while ((await partsOf('aborted.bin')) < 1) await new Promise((resolve) => setTimeout(resolve, 20));

    await file.abort();
    expect(await uploadsOf('aborted.bin')).toEqual([]);
    expect(await storage.exists('aborted.bin')).toBe(false);
  });

  it('an S3File write whose part upload the server refuses gives the file up', async () => {
    const refusing = new S3Storage(s3Options({ location, client: corrupting }));
    const file = await refusing.open('refused.bin', 'wb');
    await file.write(Buffer.alloc(6 * MiB, 1)); // part 1 goes out
    await file.write(Buffer.alloc(5 * MiB, 2)); // part 2, which the server refuses, goes out
    while ((await partsOf('refused.bin')) < 1) await new Promise((resolve) => setTimeout(resolve, 20));

    // The refusal surfaces at the next write or at close(), and the upload is aborted: what was
    // written cannot be stored whole any more, so nothing is stored, not a truncated file.
    await expect(file.close()).rejects.toThrow(/UploadPart of .* failed \(HTTP 400\)/);
    expect(await uploadsOf('refused.bin')).toEqual([]);
    expect(await storage.exists('refused.bin')).toBe(false);
    await refusing.close();
  });

  it('save() of a stream that fails after more than one part', async () => {
    const name = 'broken-stream.bin';
    const source = Readable.from(
      (async function* () {
        for (let part = 0; part < 3; part++) yield Buffer.alloc(5 * MiB, part);
        // Fail only once the server holds parts of the upload, so there is something to leave behind.
        while ((await partsOf(name)) < 2) await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('the source broke');
      })(),
    );
    const small = new S3Storage(
      s3Options({ location, transferConfig: { partSize: 5 * MiB, multipartThreshold: 5 * MiB, queueSize: 4 } }),
    );
    try {
      await expect(small.save(name, source)).rejects.toThrow('the source broke');
    } finally {
      await small.close();
    }
    expect(await uploadsOf(name)).toEqual([]);
    expect(await storage.exists(name)).toBe(false);
  });

  it('save() whose part upload the server refuses', async () => {
    const refusing = new S3Storage(
      s3Options({ location, client: corrupting, transferConfig: { partSize: 5 * MiB, multipartThreshold: 5 * MiB } }),
    );
    await expect(refusing.save('refused-save.bin', Buffer.alloc(12 * MiB, 3))).rejects.toThrow(/HTTP 400/);
    expect(await uploadsOf('refused-save.bin')).toEqual([]);
    expect(await storage.exists('refused-save.bin')).toBe(false);
  });
});
