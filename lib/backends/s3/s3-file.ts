/**
 * django-storages' `S3File`: a file of an S3Storage opened for reading or writing.
 * Reading is one GET, started when the file is opened (a missing file fails there, without a
 * HEAD first) and streamed as it is read. Writing is a multipart upload started on the first
 * write, in parts of `fileBufferSize` filled in buffers of the process's part pool (see
 * S3MultipartWriter: `transferConfig.queueSize` parts in flight, the memory budget shared with
 * every other upload); `close()` completes it, and a failure aborts it so no part is left behind.
 * A part that fails makes the next write, or `close()`, fail.
 */
import type { Readable } from 'node:stream';
import {
  HeadObjectCommand,
  PutObjectCommand,
  type GetObjectCommandOutput,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { StorageFile, type FileMode } from '../../core/storage-file.js';
import { isNotFound, s3Error } from './s3-errors.js';
import { gatewayOf, type S3Gateway } from './s3-gateway.js';
import { S3MultipartWriter } from './s3-multipart-writer.js';
import type { S3Storage } from './s3-storage.js';

export class S3File<T extends Buffer | string = Buffer | string> extends StorageFile<T> {
  private response?: GetObjectCommandOutput;
  private contentLength?: number;
  private writer?: S3MultipartWriter;
  /** Every S3 call of the file goes through its storage's gateway. */
  private readonly gateway: S3Gateway;

  /** @internal `S3Storage.open()` makes S3 files. */
  constructor(
    /** The object's key, `location` included. */
    readonly key: string,
    mode: FileMode,
    private readonly storage: S3Storage,
  ) {
    super(key.slice(storage.location.length).replace(/^\/+/, ''), mode);
    this.gateway = gatewayOf(storage);
  }

  /** @internal Starts the GET of a file opened for reading; `FileNotFoundError` when it is missing. */
  async load(): Promise<void> {
    if (!this.mode.startsWith('r')) return;
    this.response = await this.gateway.getObject(this.key, this.name);
    this.contentLength = this.response.ContentLength;
  }

  async size(): Promise<number> {
    if (this.contentLength !== undefined) return this.contentLength;
    return this.storage.size(this.name);
  }

  protected async openStream(): Promise<Readable> {
    const response = this.response ?? (await this.gateway.getObject(this.key, this.name));
    this.response = undefined;
    return this.gateway.content(response, this.key, this.name);
  }

  override async close(): Promise<void> {
    (this.response?.Body as Readable | undefined)?.destroy();
    this.response = undefined;
    await super.close();
  }

  protected async writeBytes(data: Buffer): Promise<void> {
    if (!this.writer) {
      const params = this.gateway.writeParameters(this.key);
      const writer = new S3MultipartWriter({
        client: this.gateway.client,
        bucket: this.gateway.bucket,
        key: this.key,
        params,
        partParameters: this.gateway.partParameters(params),
        partSize: this.storage.fileBufferSize,
        queueSize: this.storage.transfer.queueSize,
        pool: this.storage.partBuffers,
        alwaysMultipart: true,
      });
      await writer.start();
      // Set only once the upload exists, so a failed start leaves nothing to abort.
      this.writer = writer;
    }
    await this.writer.write(data);
  }

  protected async commit(bytesWritten: number): Promise<void> {
    if (bytesWritten === 0) {
      // Nothing was written: an empty multipart upload cannot be completed, so drop it and
      // leave an empty file, unless one is there already (django-storages' _create_empty_on_close).
      await this.discard();
      await this.createEmptyOnClose();
      return;
    }
    const writer = this.writer!;
    this.writer = undefined;
    try {
      await writer.end();
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw err;
    }
  }

  protected async discard(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.abort();
  }

  private async createEmptyOnClose(): Promise<void> {
    const bucket = this.gateway.bucket;
    try {
      await this.gateway.client.send(new HeadObjectCommand({ Bucket: bucket, Key: this.key }));
      return; // an existing file is left as it is
    } catch (err) {
      if (!isNotFound(err)) throw s3Error('HeadObject', this.key, err);
    }
    const params = this.gateway.writeParameters(this.key) as Partial<PutObjectCommandInput>;
    await this.gateway.client
      .send(new PutObjectCommand({ ...params, Bucket: bucket, Key: this.key, Body: Buffer.alloc(0), ContentLength: 0 }))
      .catch((err: unknown) => {
        throw s3Error('PutObject', this.key, err);
      });
  }
}
