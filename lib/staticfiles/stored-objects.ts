/**
 * What is already in the storage, and whether a file's content is: the check that lets a second
 * collectstatic skip every unchanged file without a request per file.
 *
 * On S3 one ListObjectsV2 walk (a request per 1,000 objects) gives every key's ETag, and the
 * ETag is the MD5 of the stored bytes: collectStatic computes the bytes `save()` would store
 * (gzipped when the storage's `gzip` applies: level 9 and mtime 0 make that deterministic) and
 * compares. A multipart upload's ETag is `md5(part MD5s)-N` instead; it is predicted from the
 * storage's own part size, so what this package uploaded is recognised. An object whose ETag is
 * neither (another tool's part size, SSE-KMS or SSE-C, which make ETags that are not MD5s) is
 * uploaded again. Other backends have no ETags: their stored copy is read and hashed.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { cleanName } from '../core/names.js';
import { relpath } from '../core/posixpath.js';
// eslint-disable-next-line import-x/no-restricted-paths -- until collectStatic lists through scan() and stat()
import { s3Error } from '../backends/s3/s3-errors.js';
// eslint-disable-next-line import-x/no-restricted-paths -- until collectStatic lists through scan() and stat()
import { S3Storage } from '../backends/s3/s3-storage.js';
// eslint-disable-next-line import-x/no-restricted-paths -- until collectStatic lists through scan() and stat()
import { gatewayOf } from '../backends/s3/s3-gateway.js';
import type { Storage } from '../core/storage.js';

export interface StoredObject {
  size: number;
  /** The ETag without quotes, when the storage has them. */
  etag?: string;
}

/** The content of a file to store: in memory, or opened as a stream (large files). */
export type Content = Buffer | (() => Readable);

/** How a content will look once stored. */
export interface Fingerprint {
  /** Bytes stored (after gzip). */
  storedSize: number;
  /** MD5 of the stored bytes, and the multipart ETag when they are uploaded in parts. */
  etags: string[];
  /** MD5 of the content itself, hex. */
  md5: string;
}

/** Every file under the storage's root, by name relative to it. */
export async function listStored(storage: Storage): Promise<Map<string, StoredObject>> {
  return storage instanceof S3Storage ? listS3(storage) : listAny(storage);
}

async function listS3(storage: S3Storage): Promise<Map<string, StoredObject>> {
  const prefix = gatewayOf(storage).normalizeName(cleanName(''));
  const objects = new Map<string, StoredObject>();
  let token: string | undefined;
  do {
    const page = await storage.client
      .send(new ListObjectsV2Command({ Bucket: storage.bucket, Prefix: prefix, ContinuationToken: token }))
      .catch((err: unknown) => {
        throw s3Error('ListObjectsV2', prefix, err);
      });
    for (const object of page.Contents ?? []) {
      // "Directory" placeholders are no file.
      if (object.Key!.endsWith('/')) continue;
      objects.set(relpath(object.Key!, prefix), { size: object.Size ?? 0, etag: object.ETag?.replaceAll('"', '') });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

async function listAny(storage: Storage, directory = ''): Promise<Map<string, StoredObject>> {
  const objects = new Map<string, StoredObject>();
  const [directories, files] = await storage.listdir(directory);
  for (const file of files) {
    const name = directory ? `${directory}/${file}` : file;
    objects.set(name, { size: await storage.size(name) });
  }
  for (const sub of directories) {
    for (const [name, object] of await listAny(storage, directory ? `${directory}/${sub}` : sub)) {
      objects.set(name, object);
    }
  }
  return objects;
}

/** The fingerprint of `content` stored as `name` in `storage`. */
export async function fingerprint(storage: Storage, name: string, content: Content): Promise<Fingerprint> {
  const s3 = storage instanceof S3Storage ? storage : undefined;
  const gzip = s3 ? willGzip(s3, name) : false;
  const partSize = s3 ? s3.transfer.partSize : Infinity;
  const contentHash = createHash('md5');
  const stored = new EtagHash(partSize);
  if (Buffer.isBuffer(content)) {
    contentHash.update(content);
    stored.update(gzip ? gzipSync(content, { level: 9 }) : content);
  } else {
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        contentHash.update(chunk);
        callback(null, chunk);
      },
    });
    const sink = async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) stored.update(chunk);
    };
    // The same transform save() streams through: the same bytes.
    if (gzip) await pipeline(content(), tap, createGzip({ level: 9 }), sink);
    else await pipeline(content(), tap, sink);
  }
  return { ...stored.digest(), md5: contentHash.digest('hex') };
}

/** Whether the stored copy of `fingerprint` is the one in `stored`. */
export async function isCurrent(
  storage: Storage,
  name: string,
  object: StoredObject,
  print: Fingerprint,
): Promise<boolean> {
  if (object.size !== print.storedSize) return false;
  if (object.etag !== undefined) return print.etags.includes(object.etag);
  if (storage instanceof S3Storage) return false;
  const hash = createHash('md5');
  for await (const chunk of await storage.createReadStream(name)) hash.update(chunk as Buffer);
  return hash.digest('hex') === print.md5;
}

/** Whether `save()` would gzip `name` on this storage. */
function willGzip(storage: S3Storage, name: string): boolean {
  const gateway = gatewayOf(storage);
  return storage.gzip && gateway.gzips(gateway.writeParameters(gateway.normalizeName(cleanName(name))));
}

/** MD5 of the whole, and of each `partSize` part (lib-storage's split) for the multipart ETag. */
class EtagHash {
  private readonly whole = createHash('md5');
  private part = createHash('md5');
  private partBytes = 0;
  private readonly partDigests: Buffer[] = [];
  private size = 0;

  constructor(private readonly partSize: number) {}

  update(chunk: Buffer): void {
    this.whole.update(chunk);
    this.size += chunk.length;
    while (chunk.length) {
      const take = Math.min(chunk.length, this.partSize - this.partBytes);
      this.part.update(chunk.subarray(0, take));
      this.partBytes += take;
      chunk = chunk.subarray(take);
      if (this.partBytes === this.partSize) {
        this.partDigests.push(this.part.digest());
        this.part = createHash('md5');
        this.partBytes = 0;
      }
    }
  }

  digest(): { storedSize: number; etags: string[] } {
    const etags = [this.whole.digest('hex')];
    if (this.size > this.partSize) {
      if (this.partBytes) this.partDigests.push(this.part.digest());
      const combined = createHash('md5').update(Buffer.concat(this.partDigests)).digest('hex');
      etags.push(`${combined}-${this.partDigests.length}`);
    }
    return { storedSize: this.size, etags };
  }
}
