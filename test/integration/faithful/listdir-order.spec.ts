/**
 * `listdir` returns what S3 lists, in S3's order (keys compared as UTF-8 bytes, so `a b` < `a-b`
 * < `a/`), and follows continuation tokens to the end without losing or repeating a name. s3rver
 * lists in filesystem order and its pagination loses keys when `a`, `a-b` and `a/b` coexist.
 */
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { S3Storage } from '../../../lib/index.js';
import { describeFaithful, rawClient, s3Options, server, uniqueLocation } from '../../support/s3.js';

const ORDER = 's3rver lists in filesystem order, not byte order, and loses keys across pages';
/** Objects per listing page when MaxKeys is not given, on AWS and Ceph alike. */
const PAGE = 1000;

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const numbered = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

describeFaithful('listdir order and pagination', ORDER, () => {
  const location = uniqueLocation('listdir-order');
  const storage = new S3Storage(s3Options({ location }));
  const raw = rawClient();

  // Files that sort before the specials fill the first page up to `a b`, so a page ends between
  // the file `a b` and the directory `a b/`; more fill the second page; a third holds the rest.
  const before = numbered('0', PAGE - 2);
  const after = numbered('b', PAGE - 2);
  // 'ｚ' (U+FF5A) sorts before '😀' (U+1F600) as bytes, after it as UTF-16: String.sort() gets it wrong.
  const specials = ['a', 'a-b', 'a b', 'é', 'ｚ', '😀'];
  const nested = ['a/b', 'a b/c', 'é/x'];
  const keys = [...before, ...after, ...specials, ...nested];

  beforeAll(async () => {
    const queue = [...keys];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
          await raw.send(
            new PutObjectCommand({ Bucket: server.bucket, Key: `${location}/${key}`, Body: Buffer.alloc(0) }),
          );
        }
      }),
    );
  }, 120_000);

  afterAll(async () => {
    for await (const page of paginateListObjectsV2(
      { client: raw },
      { Bucket: server.bucket, Prefix: `${location}/` },
    )) {
      const objects = (page.Contents ?? []).map(({ Key }) => ({ Key }));
      if (objects.length)
        await raw.send(new DeleteObjectsCommand({ Bucket: server.bucket, Delete: { Objects: objects } }));
    }
    raw.destroy();
    await storage.close();
  }, 120_000);

  it('spans several listing pages', async () => {
    const first = await raw.send(
      new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `${location}/`, Delimiter: '/' }),
    );
    expect(first.IsTruncated).toBe(true);
    expect(first.KeyCount).toBe(PAGE);
  });

  it("returns every file and directory once, in S3's byte order", async () => {
    const [directories, files] = await storage.listdir('');

    expect(directories).toEqual(['a b', 'a', 'é']);
    expect(files).toEqual([...before, 'a', 'a b', 'a-b', ...after, 'é', 'ｚ', '😀']);
    expect(files).toEqual([...before, ...after, ...specials].sort(byteOrder));
  });

  it('lists a directory whose name has a space, as S3 does', async () => {
    expect(await storage.listdir('a b')).toEqual([[], ['c']]);
    expect(await storage.listdir('a')).toEqual([[], ['b']]);
  });
});
