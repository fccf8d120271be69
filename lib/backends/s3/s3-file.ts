/**
 * django-storages' `S3File`: a file of an S3Storage opened for reading or writing.
 * Reading is one GET, started when the file is opened (a missing file fails there, without a
 * HEAD first) and streamed as it is read. Writing is a multipart upload started on the first
 * write, in parts of `fileBufferSize` held in memory up to `maxMemorySize`, then in a
 * temporary file; `close()` completes it, and a failure aborts it so no part is left behind.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type CreateMultipartUploadCommandInput,
  type GetObjectCommandOutput,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { SpooledTemporaryFile } from '../../core/spooled-temporary-file.js';
import { StorageFile, type FileMode } from '../../core/storage-file.js';
import { isNotFound, s3Error, statusOf } from './s3-errors.js';
import { gatewayOf, type S3Gateway } from './s3-gateway.js';
import type { S3Storage } from './s3-storage.js';

/** Statuses of a server that does not implement AbortMultipartUpload. */
const CANNOT_ABORT = [405, 501];

export class S3File<T extends Buffer | string = Buffer | string> extends StorageFile<T> {
  private response?: GetObjectCommandOutput;
  private contentLength?: number;
  private uploadId?: string;
  private parts: CompletedPart[] = [];
  private buffer?: SpooledTemporaryFile;
  /** SSE-C keys and the like, which every part and the completion must repeat. */
  private partParameters: Record<string, unknown> = {};
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
    if (!this.buffer) {
      const params = this.gateway.writeParameters(this.key) as Partial<CreateMultipartUploadCommandInput>;
      this.partParameters = this.gateway.partParameters(params);
      const { UploadId } = await this.gateway.client
        .send(new CreateMultipartUploadCommand({ ...params, Bucket: this.gateway.bucket, Key: this.key }))
        .catch((err: unknown) => {
          throw s3Error('CreateMultipartUpload', this.key, err);
        });
      // Set only once the upload exists, so a failed start leaves nothing to abort.
      this.uploadId = UploadId;
      this.buffer = new SpooledTemporaryFile(this.storage.maxMemorySize);
    }
    if (!data.length) return;
    await this.buffer.write(data);
    if (this.buffer.length >= this.storage.fileBufferSize) await this.flush();
  }

  protected async commit(bytesWritten: number): Promise<void> {
    if (bytesWritten === 0) {
      // Nothing was written: an empty multipart upload cannot be completed, so drop it and
      // leave an empty file, unless one is there already (django-storages' _create_empty_on_close).
      await this.discard();
      await this.createEmptyOnClose();
      return;
    }
    await this.flush();
    await this.gateway.client
      .send(
        new CompleteMultipartUploadCommand({
          ...this.partParameters,
          Bucket: this.gateway.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: this.parts },
        }),
      )
      .catch((err: unknown) => {
        throw s3Error('CompleteMultipartUpload', this.key, err);
      });
    this.uploadId = undefined;
    await this.buffer?.close();
  }

  protected async discard(): Promise<void> {
    await this.buffer?.close();
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    if (uploadId) {
      await this.gateway.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.gateway.bucket, Key: this.key, UploadId: uploadId }))
        .catch((err: unknown) => {
          // A server without AbortMultipartUpload (s3rver) keeps the parts whatever we do; the
          // file itself was never completed, so nothing partial is visible.
          if (!CANNOT_ABORT.includes(statusOf(err)!)) throw s3Error('AbortMultipartUpload', this.key, err);
        });
    }
  }

  private async flush(): Promise<void> {
    if (!this.buffer?.length) return;
    const body = await this.buffer.take();
    const partNumber = this.parts.length + 1;
    const { ETag } = await this.gateway.client
      .send(
        new UploadPartCommand({
          ...this.partParameters,
          Bucket: this.gateway.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
        }),
      )
      .catch((err: unknown) => {
        throw s3Error('UploadPart', this.key, err);
      });
    this.parts.push({ ETag, PartNumber: partNumber });
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
