/**
 * django-storages' `S3Storage` on AWS SDK v3: the Django Storage API over one bucket, every
 * setting of `S3StorageOptions`, one `S3Client` per storage. Reads are one GET (no HEAD first),
 * streams are streamed, and a create-only save is a conditional write.
 */
import { Readable, Transform, pipeline } from 'node:stream';
import { DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ImproperlyConfigured, type StorageError } from '../../core/errors.js';
import { cleanName } from '../../core/names.js';
import { Storage, type ReadRange, type SaveBody, type SavedFile, type UrlOptions } from '../../core/storage.js';
import type { DeleteFailure, StorageEntry, StorageStat, StoredForm } from '../../core/storage-entries.js';
import type { FileMode } from '../../core/storage-file.js';
import { createS3Client } from './s3-client.factory.js';
import { isNotFound, s3Error } from './s3-errors.js';
import { S3File } from './s3-file.js';
import { gatewayOf, type S3Gateway } from './s3-gateway.js';
import { copyObject } from './s3-copy.js';
import { deleteObjects } from './s3-delete-many.js';
import { listDirectory, scanObjects, unquoteEtag } from './s3-listing.js';
import { presignedPost, type UploadUrl, type UploadUrlOptions } from './s3-presigned-post.js';
import * as directMultipart from './s3-direct-multipart.js';
import type {
  AbortIncompleteUploadsOptions,
  CreateMultipartUploadOptions,
  SignUploadPartOptions,
  UploadedPart,
} from './s3-direct-multipart.js';
import { S3UrlBuilder } from './s3-url.builder.js';
import { PartBufferPool } from './part-buffer-pool.js';
import { resolveS3Settings, s3Defaults, type S3Settings } from './s3-settings.js';
import { S3StorageOptions, type CloudFrontSigner, type TransferConfig } from './s3-storage.options.js';

export class S3Storage extends Storage {
  /** Defaults of every setting, as django-storages' `get_default_settings()`; subclasses override some. */
  static readonly defaults: S3StorageOptions = s3Defaults();

  /** The options DTO the constructor validates against; a subclass with settings of its own extends it. */
  static readonly optionsType: new () => S3StorageOptions = S3StorageOptions;

  /** Content type of a name nothing is known about. */
  static readonly defaultContentType = 'application/octet-stream';

  /** Every setting of this storage, resolved once at construction and frozen; secrets show as '[redacted]'. */
  readonly settings: S3Settings;
  /** @internal Every S3 call of this storage goes through this client (the `client` option, or its own). */
  readonly client: S3Client;

  protected override readonly replayableBytes: number;
  /** @internal The process's part buffers for this storage's memory budget, shared by every storage of that budget. */
  readonly partBuffers: PartBufferPool;
  private readonly ownsClient: boolean;
  private readonly urls: S3UrlBuilder;

  /**
   * Validates `options` as django-storages' `__init__` does, and more: every problem of every
   * setting, the global names `s3OptionsFromConfig` could not convert and the conflicts between
   * settings, in one `ImproperlyConfigured`. No request is made.
   */
  constructor(options: S3StorageOptions = {}) {
    super();
    const type = new.target as typeof S3Storage;
    this.settings = resolveS3Settings(type.name, type.optionsType, options, type.defaults);
    this.replayableBytes = Math.max(this.transfer.multipartThreshold, this.transfer.partSize);
    this.partBuffers = PartBufferPool.forBudget(this.transfer.memoryBudget);
    this.ownsClient = !this.settings.client;
    this.client = this.settings.client ?? createS3Client(this.settings, type.name);
    this.urls = new S3UrlBuilder(this);
  }

  /** `bucketName`: the bucket; unset only on a storage that just builds custom-domain URLs. */
  get bucketName(): string | undefined {
    return this.settings.bucketName;
  }

  /** `location`: the key prefix of every file. */
  get location(): string {
    return this.settings.location;
  }

  /** `fileOverwrite`: whether a save under a taken name replaces the file. */
  get fileOverwrite(): boolean {
    return this.settings.fileOverwrite;
  }

  /** `objectParameters`: the PutObject parameters of every write (see `getObjectParameters()`). */
  get objectParameters(): Readonly<Record<string, unknown>> {
    return this.settings.objectParameters;
  }

  /** `defaultAcl`: the canned ACL of writes whose parameters have none. */
  get defaultAcl(): string | undefined {
    return this.settings.defaultAcl;
  }

  /** `querystringAuth`: whether URLs are signed. */
  get querystringAuth(): boolean {
    return this.settings.querystringAuth;
  }

  /** `querystringExpire`: seconds a signed URL lives unless `url()` is given `expire`. */
  get querystringExpire(): number {
    return this.settings.querystringExpire;
  }

  /** `maxMemorySize`: bytes an open file holds in memory before a temporary file; 0: never rolls over. */
  get maxMemorySize(): number {
    return this.settings.maxMemorySize;
  }

  /** `gzip`: whether saves of the `gzipContentTypes` are gzipped. */
  get gzip(): boolean {
    return this.settings.gzip;
  }

  /** `gzipContentTypes`: the content types `gzip` applies to. */
  get gzipContentTypes(): readonly string[] {
    return this.settings.gzipContentTypes;
  }

  /** `fileBufferSize`: part size of files opened for writing. */
  get fileBufferSize(): number {
    return this.settings.fileBufferSize;
  }

  /** `customDomain`: host (and path) of the file URLs, when they are not S3's. */
  get customDomain(): string | undefined {
    return this.settings.customDomain;
  }

  /** `urlProtocol`: the scheme of custom-domain URLs. */
  get urlProtocol(): string {
    return this.settings.urlProtocol;
  }

  /** The signer of custom-domain URLs: built from `cloudfrontKey` + `cloudfrontKeyId`, or given; null: none. */
  get cloudfrontSigner(): CloudFrontSigner | null {
    return this.settings.cloudfrontSigner;
  }

  /** @internal `transferConfig` with every default filled in: how `save()` streams large content. */
  get transfer(): Readonly<Required<TransferConfig>> {
    return this.settings.transferConfig;
  }

  /** The bucket every call goes to; a storage without `bucketName` can only build custom-domain URLs. */
  get bucket(): string {
    if (!this.bucketName) {
      throw new ImproperlyConfigured(
        `${this.constructor.name} setting 'bucketName' (AWS_STORAGE_BUCKET_NAME) is not set`,
      );
    }
    return this.bucketName;
  }

  /**
   * django-storages' `get_object_parameters(name)`: the PutObject parameters for one object
   * (a copy of `objectParameters`). Override it to vary `CacheControl`, `Metadata`, ... by name.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the name is for overrides
  getObjectParameters(name: string): Record<string, unknown> {
    return { ...this.objectParameters };
  }

  async exists(name: string): Promise<boolean> {
    const key = this.gateway.normalizeName(cleanName(name));
    if (!key) return false;
    try {
      await this.client.send(
        new HeadObjectCommand({ ...this.gateway.downloadParameters(key), Bucket: this.bucket, Key: key }),
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw s3Error('HeadObject', key, err);
    }
  }

  async delete(name: string): Promise<void> {
    const key = this.gateway.objectKey(name);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (!isNotFound(err)) throw s3Error('DeleteObject', key, err);
    }
  }

  async listdir(path: string): Promise<[directories: string[], files: string[]]> {
    let prefix = this.gateway.normalizeName(cleanName(path));
    if (prefix && !prefix.endsWith('/')) prefix += '/';
    return listDirectory(this.client, this.bucket, prefix);
  }

  async size(name: string): Promise<number> {
    return (await this.gateway.head(name)).ContentLength ?? 0;
  }

  async getModifiedTime(name: string): Promise<Date> {
    return (await this.gateway.head(name)).LastModified!;
  }

  /**
   * A URL of the file: presigned (`querystringAuth`), plain, on the custom domain, or
   * CloudFront-signed, as django-storages' `url()`.
   */
  async url(name: string, options: UrlOptions = {}): Promise<string> {
    return this.urls.url(this.gateway.normalizeName(cleanName(name)), options);
  }

  /**
   * A presigned POST for a browser form upload to `name` (cleaned and under `location` as
   * everywhere): send `fields`, then the file, to `url`. The policy pins the key, the content
   * type (guessed from the name unless given), the object parameters a save would send, and
   * at most `maxSize` bytes.
   */
  async uploadUrl(name: string, { expire, contentType, maxSize }: UploadUrlOptions = {}): Promise<UploadUrl> {
    const key = this.gateway.objectKey(name);
    return presignedPost(this.client, this.bucket, key, this.gateway.writeParameters(key, contentType), {
      expire: expire ?? this.querystringExpire,
      maxSize,
    });
  }

  // Direct uploads: a multipart upload the client sends straight to S3 (see s3-direct-multipart.ts)

  /**
   * Starts a multipart upload of `name` (cleaned and under `location`; the name is used as
   * given: a free name is the caller's business, as in `uploadUrl()`), with the object
   * parameters and the content type (guessed from the name unless given) a `save()` would send.
   * SSE-C parameters are refused: a client would need the key to send the parts.
   */
  createMultipartUpload(
    name: string,
    options?: CreateMultipartUploadOptions,
  ): Promise<{ name: string; uploadId: string }> {
    return directMultipart.createMultipartUpload(this, name, options);
  }

  /** A presigned URL to PUT part `partNumber` (1 to 10,000) of the upload to; S3 answers the part's ETag. */
  signUploadPart(name: string, uploadId: string, partNumber: number, options?: SignUploadPartOptions): Promise<string> {
    return directMultipart.signUploadPart(this, name, uploadId, partNumber, options);
  }

  /** The parts S3 holds for the upload so far; an unknown upload is `FileNotFoundError`. */
  listUploadParts(name: string, uploadId: string): Promise<UploadedPart[]> {
    return directMultipart.listUploadParts(this, name, uploadId);
  }

  /** Joins the parts into the file and answers its metadata (one HEAD); an unknown upload is `FileNotFoundError`. */
  completeMultipartUpload(
    name: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
  ): Promise<StorageStat> {
    return directMultipart.completeMultipartUpload(this, name, uploadId, parts);
  }

  /** Aborts the upload, and S3 drops its parts; an unknown upload is `FileNotFoundError`. */
  abortMultipartUpload(name: string, uploadId: string): Promise<void> {
    return directMultipart.abortMultipartUpload(this, name, uploadId);
  }

  /**
   * Aborts the multipart uploads under `location` (and `path`) started before `olderThan`, a day
   * ago by default: what clients that went away left behind. Resolves to how many were aborted.
   */
  abortIncompleteUploads(options?: AbortIncompleteUploadsOptions): Promise<number> {
    return directMultipart.abortIncompleteUploads(this, options);
  }

  async createReadStream(name: string, range: ReadRange = {}): Promise<Readable> {
    const key = this.gateway.objectKey(name);
    const rangeHeader = byteRange(range);
    let response = await this.gateway.getObject(key, key, rangeHeader).catch((err: unknown) => {
      // A start past the end reads nothing, as fs.createReadStream does (of the stored bytes: see below).
      if ((err as StorageError).statusCode === 416) return undefined;
      throw err;
    });
    if (rangeHeader && this.gzip && (!response || this.gateway.isGzipped(response))) {
      // A range of the stored (compressed) bytes means nothing to the caller: take it from the content.
      (response?.Body as Readable | undefined)?.destroy();
      response = await this.gateway.getObject(key, key);
      if (this.gateway.isGzipped(response)) {
        return pipeline(this.gateway.content(response, key), sliceBytes(range.start ?? 0, range.end), () => undefined);
      }
      // Not gzipped after all, so the 416 stands.
      (response.Body as Readable).destroy();
      return Readable.from([]);
    }
    if (!response) return Readable.from([]);
    return this.gateway.content(response, key);
  }

  /**
   * How `save()` stores `name`: gzipped when `gzip` applies to its content type, and ETags that
   * are the MD5 of the stored bytes, or S3's multipart form for content uploaded in `partSize`
   * parts (not so under SSE-KMS or SSE-C: such ETags then simply do not match).
   */
  override storedForm(name: string): StoredForm {
    return {
      gzip: this.gateway.gzips(this.gateway.writeParameters(this.gateway.normalizeName(cleanName(name)))),
      etag: { algorithm: 'md5', partSize: this.transfer.partSize },
    };
  }

  override async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  protected async _open(name: string, mode: FileMode): Promise<S3File> {
    const file = new S3File(this.gateway.objectKey(name), mode, this);
    await file.load();
    return file;
  }

  protected async _save(name: string, body: SaveBody): Promise<SavedFile> {
    const cleaned = cleanName(name);
    const etag = await this.gateway.put(cleaned, body);
    return { name: cleaned, etag };
  }

  /** One HEAD. */
  protected override async _stat(name: string): Promise<StorageStat> {
    const head = await this.gateway.head(name);
    return {
      name,
      size: head.ContentLength ?? 0,
      lastModified: head.LastModified!,
      etag: unquoteEtag(head.ETag),
      contentType: head.ContentType,
      metadata: head.Metadata ?? {},
    };
  }

  /** One ListObjectsV2 per 1,000 keys, through the SDK's paginator (see s3-listing.ts). */
  protected override _scan(folder: string, recursive: boolean): AsyncGenerator<StorageEntry> {
    let root = this.gateway.normalizeName('');
    if (root && !root.endsWith('/')) root += '/';
    let prefix = this.gateway.normalizeName(folder);
    if (prefix && !prefix.endsWith('/')) prefix += '/';
    return scanObjects(this.client, this.bucket, prefix, root, recursive);
  }

  /** Server-side: CopyObject, or UploadPartCopy parts above `transferConfig.copyThreshold` (see s3-copy.ts). */
  protected override async _copy(source: string, target: string): Promise<void> {
    const sourceKey = this.gateway.objectKey(source);
    const targetKey = this.gateway.objectKey(target);
    await copyObject({
      client: this.client,
      bucket: this.bucket,
      sourceKey,
      targetKey,
      sourceParameters: this.gateway.downloadParameters(sourceKey),
      targetParameters: this.gateway.writeParameters(targetKey),
      threshold: this.transfer.copyThreshold,
      partSize: this.transfer.partSize,
      queueSize: this.transfer.queueSize,
      exclusive: !this.fileOverwrite,
    });
  }

  /** One DeleteObjects of the batch's keys; a name whose key is refused fails alone. */
  protected override async _deleteMany(names: string[]): Promise<DeleteFailure[]> {
    const keys = new Map<string, string>();
    const failures: DeleteFailure[] = [];
    for (const name of names) {
      try {
        keys.set(this.gateway.objectKey(name), name);
      } catch (error) {
        failures.push({ name, error });
      }
    }
    return [...failures, ...(await deleteObjects(this.client, this.bucket, keys))];
  }

  /** The object gateway every S3 call of this storage goes through. */
  private get gateway(): S3Gateway {
    return gatewayOf(this);
  }
}

function byteRange({ start, end }: ReadRange): string | undefined {
  if (start === undefined && end === undefined) return undefined;
  for (const [label, value] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new RangeError(`The value of "${label}" must be a non-negative integer. Received ${value}`);
    }
  }
  if (end !== undefined && start !== undefined && end < start) {
    throw new RangeError(`The value of "start" (${start}) must be <= "end" (${end})`);
  }
  return `bytes=${start ?? 0}-${end ?? ''}`;
}

/** Bytes `start` to `end` (inclusive) of a stream. */
function sliceBytes(start: number, end = Infinity): Transform {
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      offset += chunk.length;
      callback(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}
