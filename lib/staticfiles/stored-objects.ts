/**
 * What is already in the storage, and whether a file's content is: the check that lets a second
 * collectstatic skip every unchanged file without a request per file.
 *
 * One `scan()` (on S3 a request per 1,000 objects) gives every stored file's size and ETag. The
 * storage's `storedForm(name)` says how `save()` would store a content (gzipped or not) and
 * what its ETags are: on S3 the MD5 of the stored bytes, or for a multipart upload
 * `md5(part MD5s)-N`, predicted from the storage's own part size, so what this package uploaded
 * is recognised (gzip at level 9 with mtime 0 makes the stored bytes deterministic). An object
 * whose ETag is neither (another tool's part size, SSE-KMS or SSE-C) is uploaded again. A
 * storage whose ETags hash nothing (a file system) has its stored copy read and hashed.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
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
  /** The ETags the stored bytes may have (none when the storage's ETags hash nothing). */
  etags: string[];
  /** MD5 of the content itself, hex. */
  md5: string;
}

/** Every file under the storage's root, by name relative to it. */
export async function listStored(storage: Storage): Promise<Map<string, StoredObject>> {
  const objects = new Map<string, StoredObject>();
  for await (const { name, size, etag } of storage.scan()) objects.set(name, { size, etag });
  return objects;
}

/** The fingerprint of `content` stored as `name` in `storage`. */
export async function fingerprint(storage: Storage, name: string, content: Content): Promise<Fingerprint> {
  const form = storage.storedForm(name);
  const stored = new EtagHash(form.etag?.partSize ?? Infinity);
  // Stored as it is, the content's MD5 is the stored bytes' own: it is hashed once.
  const contentHash = form.gzip ? createHash('md5') : undefined;
  if (Buffer.isBuffer(content)) {
    contentHash?.update(content);
    stored.update(contentHash ? gzipSync(content, { level: 9 }) : content);
  } else {
    const sink = async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) stored.update(chunk);
    };
    if (contentHash) {
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          contentHash.update(chunk);
          callback(null, chunk);
        },
      });
      // The same transform save() streams through: the same bytes.
      await pipeline(content(), tap, createGzip({ level: 9 }), sink);
    } else {
      await pipeline(content(), sink);
    }
  }
  const { storedSize, etags } = stored.digest();
  return { storedSize, etags: form.etag ? etags : [], md5: contentHash?.digest('hex') ?? etags[0] };
}

/** Whether the stored copy of `fingerprint` is the one in `stored`. */
export async function isCurrent(
  storage: Storage,
  name: string,
  object: StoredObject,
  print: Fingerprint,
): Promise<boolean> {
  if (object.size !== print.storedSize) return false;
  if (storage.storedForm(name).etag) return object.etag !== undefined && print.etags.includes(object.etag);
  // Stored as given (no gzip, else the form would say): the stored bytes hash as the content.
  const hash = createHash('md5');
  for await (const chunk of await storage.createReadStream(name)) hash.update(chunk as Buffer);
  return hash.digest('hex') === print.md5;
}

/** MD5 of the whole, and of each `partSize` part (lib-storage's split) for the multipart ETag. */
class EtagHash {
  private readonly whole = createHash('md5');
  /** Bytes of the first part seen so far, and its digest once complete. */
  private firstPartBytes = 0;
  private firstPart?: Buffer;
  private part = createHash('md5');
  private partBytes = 0;
  private readonly partDigests: Buffer[] = [];
  private size = 0;

  constructor(private readonly partSize: number) {}

  update(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.firstPartBytes < this.partSize) {
      // The first part is the whole's first bytes: its MD5 is a copy of the whole's hash state,
      // not a second pass (most files are one part, and are hashed once).
      const take = Math.min(chunk.length, this.partSize - this.firstPartBytes);
      this.whole.update(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.firstPartBytes += take;
      if (this.firstPartBytes === this.partSize) this.firstPart = this.whole.copy().digest();
      chunk = chunk.subarray(take);
      if (!chunk.length) return;
    }
    this.whole.update(chunk);
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
      const parts = [this.firstPart!, ...this.partDigests];
      const combined = createHash('md5').update(Buffer.concat(parts)).digest('hex');
      etags.push(`${combined}-${parts.length}`);
    }
    return { storedSize: this.size, etags };
  }
}
