/**
 * stat, scan, copy, move and deleteMany on S3Storage, at the wire: what each sends (counted and
 * captured at a proxy), what the server then holds (read back with the raw SDK), and how
 * failures come back. The backend-neutral semantics are the contract suite's
 * (lib/testing.ts, nestjs-storages/testing); this is what only S3 can show.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  GetObjectAclCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FileNotFoundError, S3Storage, type S3StorageOptions } from '../../lib/index.js';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { describeFaithful, itFaithful, rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

const MiB = 1024 * 1024;
let raw: S3Client;
let proxy: CountingProxy;
const storages: S3Storage[] = [];
const location = uniqueLocation('beyond');

function storage(extra: S3StorageOptions = {}): S3Storage {
  const created = new S3Storage(s3Options({ endpointUrl: proxy.endpoint, location, ...extra }));
  storages.push(created);
  return created;
}

async function head(name: string) {
  return raw.send(new HeadObjectCommand({ Bucket: server.bucket, Key: `${location}/${name}` }));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const headers = {
  ContentType: 'text/csv',
  ContentEncoding: 'identity',
  CacheControl: 'max-age=60',
  ContentDisposition: 'attachment; filename="report.csv"',
  ContentLanguage: 'fr',
  Metadata: { owner: 'reports', run: '7' },
};

beforeAll(async () => {
  raw = rawClient();
  proxy = await startCountingProxy(server.endpoint);
});
afterAll(async () => {
  await Promise.all(storages.map((s) => s.close()));
  raw.destroy();
  await proxy.close();
});
beforeEach(() => proxy.reset());

describe('stat()', () => {
  test('is one HEAD: size, time, unquoted ETag, content type and metadata', async () => {
    const s = storage({ objectParameters: { Metadata: { source: 'test' } } });
    await s.save('stat/data.json', '{"a":1}');
    proxy.reset();
    const stat = await s.stat('stat/data.json');
    expect(proxy.counts()).toEqual({ HEAD: 1 });
    expect(stat).toMatchObject({
      name: 'stat/data.json',
      size: 7,
      etag: createHash('md5').update('{"a":1}').digest('hex'),
      contentType: 'application/json',
      metadata: { source: 'test' },
    });
    await expect(s.stat('stat/missing.json')).rejects.toThrow(`File does not exist: ${location}/stat/missing.json`);
  });
});

describe('scan()', () => {
  test('skips folder markers and yields names relative to the location', async () => {
    const s = storage();
    for (const key of ['markers/', 'markers/sub/', 'markers/a.txt', 'markers/sub/b.txt']) {
      await raw.send(
        new PutObjectCommand({
          Bucket: server.bucket,
          Key: `${location}/${key}`,
          Body: Buffer.from(key.endsWith('/') ? '' : 'x'),
        }),
      );
    }
    expect((await collect(s.scan('markers'))).map((e) => e.name).sort()).toEqual([
      'markers/a.txt',
      'markers/sub/b.txt',
    ]);
    expect((await collect(s.scan('markers', { recursive: false }))).map((e) => e.name)).toEqual(['markers/a.txt']);
  });

  test('fetches pages as the caller iterates: one entry read, one request sent', async () => {
    const s = storage();
    for (let i = 0; i < 3; i++) await s.save(`lazy/${i}.txt`, 'x');
    proxy.reset();
    const iterator = s.scan('lazy')[Symbol.asyncIterator]();
    expect(proxy.counts()).toEqual({});
    expect((await iterator.next()).value).toMatchObject({ name: 'lazy/0.txt', size: 1 });
    await iterator.return?.();
    expect(proxy.counts()).toEqual({ LIST: 1 });
  });
});

describe('copy()', () => {
  test('is one CopyObject that keeps the headers and metadata of the source', async () => {
    const s = storage();
    await raw.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: `${location}/copy/report.csv`, Body: 'a,b\n', ...headers }),
    );
    proxy.reset();
    expect(await s.copy('copy/report.csv', 'copy/report-copy.bin')).toBe('copy/report-copy.bin');
    expect(proxy.counts()).toEqual({ PUT: 1 });
    expect(proxy.captured[0].headers['x-amz-copy-source']).toBe(`${server.bucket}/${location}/copy/report.csv`);
    expect(proxy.captured[0].headers['x-amz-metadata-directive']).toBe('COPY');
    const copied = await head('copy/report-copy.bin');
    expect(copied).toMatchObject({ ...headers, ContentLength: 4 });
  });

  test('names with spaces and non-ASCII letters are copied (the copy source is URL-encoded)', async () => {
    const s = storage();
    await s.save('copy/ma photo été.txt', 'unicode');
    expect(await s.copy('copy/ma photo été.txt', 'copy/copied été.txt')).toBe('copy/copied été.txt');
    expect((await s.stat('copy/copied été.txt')).size).toBe(7);
  });

  itFaithful(
    'names with + # ? & = ; , @ $ : are copied',
    's3rver finds no copy source with these in its key',
    async () => {
      const s = storage();
      const name = 'copy/a+b#c?d&e=f;g,h@i$j:k.txt';
      await s.save(name, 'specials');
      expect(await s.copy(name, `${name}.copy`)).toBe(`${name}.copy`);
      expect((await s.stat(`${name}.copy`)).size).toBe(8);
    },
  );

  itFaithful('applies defaultAcl to the copy, as a save does', 's3rver does not keep ACLs', async () => {
    const s = storage({ defaultAcl: 'public-read' });
    await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${location}/acl/private.txt`, Body: 'x' }));
    await s.copy('acl/private.txt', 'acl/public.txt');
    const grants = async (name: string) =>
      (await raw.send(new GetObjectAclCommand({ Bucket: server.bucket, Key: `${location}/${name}` }))).Grants ?? [];
    const allUsers = (g: { Grantee?: { URI?: string } }) =>
      g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers';
    expect((await grants('acl/private.txt')).some(allUsers)).toBe(false);
    expect((await grants('acl/public.txt')).some(allUsers)).toBe(true);
  });

  test('without fileOverwrite, the copy is sent create-only (If-None-Match: *), after a HEAD for a free name', async () => {
    // AWS refuses it (412) when another writer took the name meanwhile, and copy() then takes
    // another name; Ceph 16 and s3rver ignore the condition, so only the request is checked here.
    const s = storage({ fileOverwrite: false });
    await s.save('create-only/source.txt', 'copied');
    proxy.reset();
    expect(await s.copy('create-only/source.txt', 'create-only/target.txt')).toBe('create-only/target.txt');
    expect(proxy.counts()).toEqual({ HEAD: 1, PUT: 1 });
    expect(proxy.captured[1].headers['if-none-match']).toBe('*');
    expect(proxy.captured[1].headers['x-amz-copy-source']).toBeDefined();
  });

  test('a missing source is FileNotFoundError and writes nothing', async () => {
    const s = storage();
    await expect(s.copy('copy/none.txt', 'copy/none-copy.txt')).rejects.toThrow(FileNotFoundError);
    expect(await s.exists('copy/none-copy.txt')).toBe(false);
  });
});

describeFaithful('copy() above transferConfig.copyThreshold', 's3rver has no UploadPartCopy', () => {
  const content = Buffer.alloc(12 * MiB + 123);
  for (let i = 0; i < content.length; i += 4096) content.writeUInt32BE(i, i);

  test('is a multipart upload of UploadPartCopy ranges, headers and metadata carried over', async () => {
    const s = storage({ transferConfig: { copyThreshold: 6 * MiB, partSize: 5 * MiB }, defaultAcl: 'public-read' });
    await raw.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: `${location}/big/source.csv`, Body: content, ...headers }),
    );
    proxy.reset();
    expect(await s.copy('big/source.csv', 'big/target.csv')).toBe('big/target.csv');
    expect(proxy.counts()).toEqual({ HEAD: 1, CreateMultipartUpload: 1, UploadPart: 3, CompleteMultipartUpload: 1 });
    const ranges = proxy.captured
      .filter((r) => r.operation === 'UploadPart')
      .map((r) => r.headers['x-amz-copy-source-range']);
    expect(ranges.sort()).toEqual([
      `bytes=0-${5 * MiB - 1}`,
      `bytes=${10 * MiB}-${12 * MiB + 122}`,
      `bytes=${5 * MiB}-${10 * MiB - 1}`,
    ]);
    expect(await head('big/target.csv')).toMatchObject({ ...headers, ContentLength: content.length });
    const copied = Buffer.concat(await (await s.createReadStream('big/target.csv')).toArray());
    expect(copied.equals(content)).toBe(true);
  });

  test('a source below the threshold is still one CopyObject, after a HEAD for its size', async () => {
    const s = storage({ transferConfig: { copyThreshold: 6 * MiB } });
    await s.save('big/small.txt', 'small');
    proxy.reset();
    await s.copy('big/small.txt', 'big/small-copy.txt');
    expect(proxy.counts()).toEqual({ HEAD: 1, PUT: 1 });
  });

  test('a failed part aborts the upload: no object, no multipart upload left', async () => {
    const faults: FaultProxy = await startFaultProxy(server.endpoint);
    try {
      faults.decide = (r) => (r.method === 'PUT' && r.url.includes('partNumber=2') ? 'internal' : undefined);
      const s = new S3Storage(
        s3Options({
          endpointUrl: faults.endpoint,
          location,
          transferConfig: { copyThreshold: 6 * MiB, partSize: 5 * MiB },
        }),
      );
      storages.push(s);
      await raw.send(
        new PutObjectCommand({ Bucket: server.bucket, Key: `${location}/big/source2.bin`, Body: content }),
      );
      await expect(s.copy('big/source2.bin', 'big/failed.bin')).rejects.toThrow(/UploadPartCopy .*HTTP 500/);
      expect(faults.requests.some((r) => r.method === 'DELETE' && r.url.includes('uploadId='))).toBe(true);
      expect(await s.exists('big/failed.bin')).toBe(false);
      const { Uploads } = await raw.send(
        new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: `${location}/big/failed.bin` }),
      );
      expect(Uploads ?? []).toEqual([]);
    } finally {
      await faults.close();
    }
  });
});

describe('integrity headers of writes (checksums WHEN_REQUIRED)', () => {
  test('objects and parts carry the Content-MD5 of their bytes and go with an unsigned payload', async () => {
    const s = storage({ transferConfig: { partSize: 5 * MiB, multipartThreshold: 5 * MiB } });
    const content = Buffer.alloc(6 * MiB, 7);
    await s.save('integrity/small.txt', 'small');
    await s.save('integrity/parts.bin', Readable.from([content.subarray(0, MiB), content.subarray(MiB)]));
    const writes = proxy.captured.filter((r) => r.operation === 'PUT' || r.operation === 'UploadPart');
    // In the order they ended: the parts are sent at once.
    expect(writes.map((r) => [r.operation, r.body.length]).sort()).toEqual([
      ['PUT', 5],
      ['UploadPart', MiB],
      ['UploadPart', 5 * MiB],
    ]);
    for (const request of writes) {
      expect(request.headers['content-md5']).toBe(createHash('md5').update(request.body).digest('base64'));
      expect(request.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
      // The MD5 is signed: the body stays bound to the signature.
      expect(String(request.headers.authorization)).toMatch(/SignedHeaders=[^,]*content-md5/);
    }
    expect(Buffer.compare(await s.open('integrity/parts.bin').then((f) => f.read()), content)).toBe(0);
  });
});

describe('deleteMany()', () => {
  test('sends each DeleteObjects with a Content-MD5 of its body', async () => {
    const s = storage();
    for (const name of ['md5/a.txt', 'md5/b.txt']) await s.save(name, 'x');
    proxy.reset();
    expect(await s.deleteMany(['md5/a.txt', 'md5/b.txt', 'md5/missing.txt'])).toBe(3);
    const [request] = proxy.captured;
    expect(request.operation).toBe('DeleteObjects');
    expect(request.headers['content-md5']).toBe(createHash('md5').update(request.body).digest('base64'));
    // A small body, signed as the SDK signs it.
    expect(request.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(request.body).digest('hex'));
    expect(request.body.toString()).toContain(`<Key>${location}/md5/missing.txt</Key>`);
    expect(await s.exists('md5/a.txt')).toBe(false);
  });

  test('a batch that fails fails each of its names, naming it, after every batch was tried', async () => {
    const faults: FaultProxy = await startFaultProxy(server.endpoint);
    try {
      const s = new S3Storage(s3Options({ endpointUrl: faults.endpoint, location }));
      storages.push(s);
      const names = Array.from({ length: 1500 }, (_, i) => `fail/${String(i).padStart(4, '0')}.txt`);
      // The first batch's request fails every time it is sent (the SDK's retries included).
      let first: string | undefined;
      faults.decide = (r) => {
        if (r.method !== 'POST') return undefined;
        first ??= r.url;
        return faults.requests.filter((q) => q.method === 'POST').length <= 3 ? 'internal' : undefined;
      };
      await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${location}/fail/1499.txt`, Body: 'x' }));
      const failure = (await s.deleteMany(names).catch((err: unknown) => err)) as AggregateError;
      expect(failure).toBeInstanceOf(AggregateError);
      expect(failure.message).toBe('deleteMany(): 1000 of 1500 files could not be deleted');
      expect(failure.errors).toHaveLength(1000);
      expect(failure.errors[0].message).toMatch(/^Could not delete 'fail\/0000\.txt': S3 DeleteObjects .*HTTP 500/);
      expect(failure.errors[999].message).toContain("'fail/0999.txt'");
      // The second batch was sent and done.
      expect(await s.exists('fail/1499.txt')).toBe(false);
    } finally {
      await faults.close();
    }
  });
});
