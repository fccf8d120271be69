/**
 * A GET whose body breaks off midway: the SDK does not retry it (its answer had arrived), and a
 * reader that stopped there would take the bytes so far for the whole file. S3Storage resumes
 * it with a ranged GET pinned to the object's ETag, or fails naming the file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3Storage, StorageError } from '../../lib/index.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../support/fault-proxy.js';
import { rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

const MiB = 1024 * 1024;
const content = randomBytes(3 * MiB);
let proxy: FaultProxy;
let raw: S3Client;
const storages: S3Storage[] = [];
const location = uniqueLocation('resumed');

function storage(extra: ConstructorParameters<typeof S3Storage>[0] = {}): S3Storage {
  const created = new S3Storage(s3Options({ endpointUrl: proxy.endpoint, location, ...extra }));
  storages.push(created);
  return created;
}

/** Cuts the first GET of the test's object in half; lets every other request through. */
function cutFirstGet(request: ProxiedRequest) {
  return request.method === 'GET' && !request.range ? 'cut' : undefined;
}

const sent = () => proxy.requests.map((r) => [r.method, r.range, r.fault].filter(Boolean).join(' '));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  proxy = await startFaultProxy(server.endpoint);
  proxy.cutAt = 0.5;
  raw = rawClient();
  await storage().save('object.bin', content);
});
afterAll(async () => {
  await Promise.all(storages.map((s) => s.close()));
  raw.destroy();
  await proxy.close();
});
beforeEach(() => {
  proxy.clear();
  proxy.decide = cutFirstGet;
});

describe('a body cut off midway', () => {
  test('createReadStream() resumes with a ranged GET and gives every byte once', async () => {
    const data = Buffer.concat(await (await storage().createReadStream('object.bin')).toArray());
    expect(sha256(data)).toBe(sha256(content));
    expect(sent()).toEqual(['GET cut', `GET bytes=${1.5 * MiB}-${3 * MiB - 1}`]);
    // Pinned to the object that was being read.
    const { ETag } = await storage().client.send(
      new HeadObjectCommand({ Bucket: server.bucket, Key: `${location}/object.bin` }),
    );
    expect(proxy.requests.map((r) => r.ifMatch)).toEqual([undefined, ETag]);
  });

  test('open() and read() resume too', async () => {
    await using file = await storage().open('object.bin');
    expect(sha256(await file.read())).toBe(sha256(content));
    expect(sent()).toEqual(['GET cut', `GET bytes=${1.5 * MiB}-${3 * MiB - 1}`]);
  });

  test('a ranged read resumes within its range', async () => {
    const range = { start: MiB, end: 2 * MiB - 1 };
    const data = Buffer.concat(await (await storage().createReadStream('object.bin', range)).toArray());
    expect(data.equals(content.subarray(MiB, 2 * MiB))).toBe(true);
    proxy.decide = (request) => (request.range === `bytes=${MiB}-${2 * MiB - 1}` ? 'cut' : undefined);
    proxy.clear();
    const again = Buffer.concat(await (await storage().createReadStream('object.bin', range)).toArray());
    expect(again.equals(content.subarray(MiB, 2 * MiB))).toBe(true);
    expect(sent()).toEqual([`GET bytes=${MiB}-${2 * MiB - 1} cut`, `GET bytes=${1.5 * MiB}-${2 * MiB - 1}`]);
  });

  test('a gzipped object resumes on its stored bytes, and reads back as it was', async () => {
    const text = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `.rule-${i} { color: #${i % 999}; }\n`).join(''));
    const gzipped = storage({ gzip: true });
    await gzipped.save('style.css', text);
    expect(gzipSync(text, { level: 9 }).length).toBeGreaterThan(100_000);
    proxy.clear();
    expect(Buffer.concat(await (await gzipped.createReadStream('style.css')).toArray()).equals(text)).toBe(true);
    expect(sent()).toEqual(['GET cut', expect.stringMatching(/^GET bytes=\d+-\d+$/)]);
  });

  test('the resuming GET is pinned to the ETag (If-Match), and a replaced object is never spliced', async () => {
    const s = storage();
    await s.save('replaced.bin', content);
    const other = randomBytes(3 * MiB);
    proxy.clear();
    proxy.decide = async (request) => {
      if (request.method === 'GET' && !request.range) return 'cut';
      // Between the cut and the resume, another writer replaces the object.
      await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${location}/replaced.bin`, Body: other }));
      return undefined;
    };
    const error = await (async () => Buffer.concat(await (await s.createReadStream('replaced.bin')).toArray()))().catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toBe(
      `S3 GetObject of '${location}/replaced.bin' failed: the object was replaced while it was being read ` +
        `(${1.5 * MiB} of ${3 * MiB} bytes read)`,
    );
  });

  test('with maxAttempts 1 it fails naming the file, after the bytes it had', async () => {
    const once = storage({ clientConfig: { maxAttempts: 1 } });
    const stream = await once.createReadStream('object.bin');
    let received = 0;
    const error = await (async () => {
      for await (const chunk of stream) received += (chunk as Buffer).length;
    })().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^S3 GetObject of '${location}/object.bin' failed: the body broke off after ${1.5 * MiB} of ${3 * MiB} bytes: `,
      ),
    );
    expect(received).toBe(1.5 * MiB);
    expect(sent()).toEqual(['GET cut']);
  });

  test('a body cut again and again, each time after some bytes, is resumed until it is whole', async () => {
    // Every GET is cut halfway through what it has to give, until less than 64 KiB is left.
    proxy.decide = (request) => {
      const from = Number(/^bytes=(\d+)-/.exec(request.range ?? '')?.[1] ?? 0);
      return 3 * MiB - from > 64 * 1024 ? 'cut' : undefined;
    };
    const data = Buffer.concat(await (await storage().createReadStream('object.bin')).toArray());
    expect(data.equals(content)).toBe(true);
    expect(sent()).toEqual([
      'GET cut',
      ...[1.5, 2.25, 2.625, 2.8125, 2.90625].map((at) => `GET bytes=${at * MiB}-${3 * MiB - 1} cut`),
      `GET bytes=${2.953125 * MiB}-${3 * MiB - 1}`,
    ]);
  });
});
