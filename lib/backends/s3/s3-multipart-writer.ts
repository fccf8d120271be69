/**
 * Writes one object from bytes that arrive a chunk at a time: one PutObject when they all fit in
 * the first part, else a multipart upload whose parts are filled in place in buffers from the
 * process's `PartBufferPool` and sent `queueSize` at a time.
 *
 * Guarantees:
 * - Memory: an upload holds at most `queueSize + 1` part buffers (the parts in flight and the one
 *   being filled), all from the pool; each chunk is copied once, into its part, and a part is sent
 *   as a view of its buffer, never concatenated. `write()` resolves once its chunk is copied, so a
 *   caller that awaits it reads its source no faster than parts go out (and no faster than the
 *   pool frees buffers): that is the backpressure. An unread `fs.ReadStream` is not read as a
 *   stream at all: its file is read into the part buffers in place (see unread-file.ts).
 * - Retries: each part body is a Buffer, which the SDK resends as is when it retries the request.
 * - Nothing left behind: any failure (a part, the completion, the caller's `abort()`) aborts the
 *   multipart upload once the parts in flight have settled, and gives every buffer back.
 * - Integrity: when the client sends checksums only where required, each part carries the
 *   Content-MD5 computed while it was filled (no second pass over the bytes).
 * - A create-only write (`ifNoneMatch`) is conditional at the PutObject or the completion.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type CreateMultipartUploadCommandInput,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { PartBufferPool } from './part-buffer-pool.js';
import { s3Error, statusOf } from './s3-errors.js';
import { UnreadFile } from './unread-file.js';

/** Statuses of a server that does not implement AbortMultipartUpload. */
const CANNOT_ABORT = [405, 501];

/** What one write goes to, and how. */
export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  key: string;
  /** PutObject / CreateMultipartUpload parameters (content type, ACL, metadata, SSE, ...). */
  params: Record<string, unknown>;
  /** The parameters every part and the completion repeat (SSE-C keys, RequestPayer, ...). */
  partParameters: Record<string, unknown>;
  partSize: number;
  queueSize: number;
  pool: PartBufferPool;
  /** A create-only write: the server refuses it (412) when the key exists. */
  ifNoneMatch?: boolean;
  /** Start the multipart upload even for bytes that fit one part (S3File's contract). */
  alwaysMultipart?: boolean;
}

export class S3MultipartWriter {
  private buffer?: Buffer;
  private filled = 0;
  private md5?: Hash;
  private uploadId?: string;
  private readonly parts: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure?: unknown;
  private md5Parts?: boolean;
  private storedEtag?: string;

  constructor(private readonly target: MultipartTarget) {}

  /** The ETag the server answered for the stored object (as sent, quoted), once `end()` has stored it. */
  get etag(): string | undefined {
    return this.storedEtag;
  }

  /** Whether a multipart upload was started (and so must be completed or aborted). */
  get started(): boolean {
    return this.uploadId !== undefined;
  }

  /**
   * Copies `chunk` into the current part, sending each part that fills up; resolves once copied.
   * Calls not awaited one after the other still write in the order they were made.
   */
  write(chunk: Buffer): Promise<void> {
    const written = this.writing.then(() => this.copy(chunk));
    this.writing = written.catch(() => undefined);
    return written;
  }

  private writing: Promise<void> = Promise.resolve();

  private async copy(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const buffer = await this.partBuffer();
      const copied = chunk.copy(buffer, this.filled, offset);
      this.md5?.update(chunk.subarray(offset, offset + copied));
      this.filled += copied;
      offset += copied;
    }
  }

  /** Reads all of `file` straight into part buffers: no chunk is allocated, none copied. */
  private async copyFile(file: UnreadFile): Promise<void> {
    const probe = Buffer.alloc(1);
    try {
      for (;;) {
        if (this.filled === this.target.partSize) {
          // As with a stream, a full part is sent only once more bytes come: the file may end
          // with it, and then a first part is the whole object, one PutObject.
          if ((await file.readInto(probe, 0, 1)) === 0) break;
          await this.copy(probe);
          continue;
        }
        const buffer = await this.partBuffer();
        const read = await file.readInto(buffer, this.filled, buffer.length - this.filled);
        if (read === 0) break;
        this.md5?.update(buffer.subarray(this.filled, this.filled + read));
        this.filled += read;
      }
    } catch (err) {
      file.destroy();
      throw err;
    }
    file.finish();
  }

  /** The part buffer to fill, with room in it: the full one is sent first, and a new one taken from the pool. */
  private async partBuffer(): Promise<Buffer> {
    this.throwIfFailed();
    if (this.filled === this.target.partSize) await this.send();
    if (!this.buffer) {
      this.buffer = await this.target.pool.acquire(this.target.partSize);
      this.filled = 0;
      this.md5 = (await this.md5Wanted()) ? createHash('md5') : undefined;
    }
    return this.buffer;
  }

  /** Starts the multipart upload now, before any part is full (S3File starts it on its first write). */
  async start(): Promise<void> {
    if (!this.uploadId) await this.create();
  }

  /** Stores what was written: one PutObject if nothing was sent yet, else the last part and the completion. */
  async end(): Promise<void> {
    await this.writing;
    this.throwIfFailed();
    if (!this.uploadId && !this.target.alwaysMultipart) {
      try {
        await this.putWhole(this.buffer?.subarray(0, this.filled) ?? Buffer.alloc(0));
      } finally {
        this.releaseBuffer();
      }
      return;
    }
    if (this.filled > 0 || this.parts.length === 0) await this.send();
    await this.settle();
    this.throwIfFailed();
    const { client, bucket, key } = this.target;
    const { ETag } = await client
      .send(
        new CompleteMultipartUploadCommand({
          ...this.target.partParameters,
          Bucket: bucket,
          Key: key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: this.parts },
          ...(this.target.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
        }),
      )
      .catch((err: unknown) => {
        throw s3Error('CompleteMultipartUpload', key, err);
      });
    this.uploadId = undefined;
    this.storedEtag = ETag;
  }

  /** Gives the write up: waits for the parts in flight, aborts the multipart upload, frees the buffers. */
  async abort(): Promise<void> {
    this.failure ??= new Error('aborted');
    await this.settle();
    this.releaseBuffer();
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    if (!uploadId) return;
    const { client, bucket, key } = this.target;
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
      .catch((err: unknown) => {
        // A server without AbortMultipartUpload (s3rver) keeps the parts whatever we do; the
        // object itself was never completed, so nothing partial is visible.
        if (!CANNOT_ABORT.includes(statusOf(err)!)) throw s3Error('AbortMultipartUpload', key, err);
      });
  }

  /**
   * Writes all of `source` (awaiting each chunk's copy: backpressure), then ends; any failure
   * aborts. An unread `fs.ReadStream` is read as its file, straight into the part buffers.
   */
  async writeStream(source: Readable): Promise<void> {
    try {
      const file = await UnreadFile.of(source);
      if (file) await this.copyFile(file);
      else for await (const chunk of source) await this.copy(asBuffer(chunk));
      await this.end();
    } catch (err) {
      await this.abort().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Writes a Buffer already in memory as a multipart upload (the caller sends bodies under its
   * threshold in one PutObject): its parts are views of it, so no pool buffer is taken. At most
   * `queueSize` parts are in flight; any failure aborts.
   */
  async writeBuffer(body: Buffer): Promise<void> {
    const { partSize } = this.target;
    try {
      for (let offset = 0; offset < body.length; offset += partSize) {
        const part = body.subarray(offset, offset + partSize);
        await this.sendPart(part, (await this.md5Wanted()) ? createHash('md5').update(part) : undefined);
      }
      await this.end();
    } catch (err) {
      await this.abort().catch(() => undefined);
      throw err;
    }
  }

  private async putWhole(body: Buffer): Promise<void> {
    const { client, bucket, key } = this.target;
    const { ETag } = await client
      .send(
        new PutObjectCommand({
          ...(this.target.params as Partial<PutObjectCommandInput>),
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ...(this.md5 ? { ContentMD5: this.md5.digest('base64') } : {}),
          ...(this.target.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
        }),
      )
      .catch((err: unknown) => {
        throw s3Error('PutObject', key, err);
      });
    this.storedEtag = ETag;
  }

  /** Sends the current part (a view of its pool buffer, given back once its request settles). */
  private async send(): Promise<void> {
    const buffer = this.buffer;
    const md5 = buffer ? this.md5 : (await this.md5Wanted()) ? createHash('md5') : undefined;
    const body = buffer?.subarray(0, this.filled) ?? Buffer.alloc(0);
    this.buffer = undefined;
    this.filled = 0;
    this.md5 = undefined;
    await this.sendPart(body, md5, buffer);
  }

  /** Starts the upload of one part, once fewer than `queueSize` are in flight; `pooled` is given back when it settles. */
  private async sendPart(body: Buffer, md5: Hash | undefined, pooled?: Buffer): Promise<void> {
    const { client, bucket, key, pool } = this.target;
    try {
      if (!this.uploadId) await this.create();
      while (this.inFlight.size >= this.target.queueSize) await Promise.race(this.inFlight);
      this.throwIfFailed();
    } catch (err) {
      if (pooled) pool.release(pooled);
      throw err;
    }
    const partNumber = this.parts.length + 1;
    this.parts.push({ PartNumber: partNumber });
    const request: Promise<void> = client
      .send(
        new UploadPartCommand({
          ...this.target.partParameters,
          Bucket: bucket,
          Key: key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
          ...(md5 ? { ContentMD5: md5.digest('base64') } : {}),
        }),
      )
      .then(
        ({ ETag }) => {
          this.parts[partNumber - 1] = { ETag, PartNumber: partNumber };
        },
        (err: unknown) => {
          this.failure ??= s3Error('UploadPart', key, err);
        },
      )
      .finally(() => {
        this.inFlight.delete(request);
        if (pooled) pool.release(pooled);
      });
    this.inFlight.add(request);
  }

  private async create(): Promise<void> {
    const { client, bucket, key } = this.target;
    const { UploadId } = await client
      .send(
        new CreateMultipartUploadCommand({
          ...(this.target.params as Partial<CreateMultipartUploadCommandInput>),
          Bucket: bucket,
          Key: key,
        }),
      )
      .catch((err: unknown) => {
        throw s3Error('CreateMultipartUpload', key, err);
      });
    this.uploadId = UploadId;
  }

  private async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.race(this.inFlight);
  }

  private releaseBuffer(): void {
    if (this.buffer) this.target.pool.release(this.buffer);
    this.buffer = undefined;
    this.filled = 0;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Whether parts carry Content-MD5: when the client adds no checksum of its own to uploads. */
  private async md5Wanted(): Promise<boolean> {
    if (this.md5Parts === undefined) {
      const setting = (this.target.client.config as { requestChecksumCalculation?: () => Promise<string> })
        .requestChecksumCalculation;
      this.md5Parts = (await setting?.()) === 'WHEN_REQUIRED';
    }
    return this.md5Parts;
  }
}

/** A stream's chunk as bytes: strings as UTF-8, typed arrays viewed, not copied. */
function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (ArrayBuffer.isView(chunk)) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`a stream to save must yield strings or bytes, not ${typeof chunk}`);
}
