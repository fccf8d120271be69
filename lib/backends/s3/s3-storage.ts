/**
 * django-storages' `S3Storage` on AWS SDK v3: the Django Storage API over one bucket, every
 * setting of `S3StorageOptions`, one `S3Client` per storage. Reads are one GET (no HEAD first),
 * streams are streamed, and a create-only save is a conditional write.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { Readable, Transform, pipeline } from 'node:stream';
import { createGunzip, createGzip, gzipSync } from 'node:zlib';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type GetObjectCommandOutput,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  FileNotFoundError,
  ImproperlyConfigured,
  SuspiciousFileOperation,
  SuspiciousOperation,
  type StorageError,
} from '../../core/errors.js';
import { guessType } from '../../core/mimetypes.js';
import { cleanName, safeJoin } from '../../core/names.js';
import { relpath } from '../../core/posixpath.js';
import { NameTakenError, Storage, type ReadRange, type SaveBody, type UrlOptions } from '../../core/storage.js';
import type { FileMode } from '../../core/storage-file.js';
import { assertValidOptions, declaredSettings, definedOptions, optionViolations } from '../../core/validate-options.js';
import { createS3Client } from './s3-client.factory.js';
import { attemptsOf, isNotFound, s3Error, statusOf } from './s3-errors.js';
import { S3File } from './s3-file.js';
import { ObjectBody } from './s3-object-body.js';
import { cloudfrontSigner } from './cloudfront-signer.js';
import { presignedPost, type UploadUrl, type UploadUrlOptions } from './s3-presigned-post.js';
import { S3UrlBuilder } from './s3-url.builder.js';
import { PartBufferPool } from './part-buffer-pool.js';
import { S3MultipartWriter } from './s3-multipart-writer.js';
import { MiB, S3StorageOptions, type CloudFrontSigner, type TransferConfig } from './s3-storage.options.js';

/** Parameters of `getObjectParameters()` that reads send too (s3transfer's `ALLOWED_DOWNLOAD_ARGS`). */
const DOWNLOAD_PARAMETERS = [
  'ChecksumMode',
  'VersionId',
  'SSECustomerAlgorithm',
  'SSECustomerKey',
  'SSECustomerKeyMD5',
  'RequestPayer',
  'ExpectedBucketOwner',
];

/** Parameters of a multipart write that every part and the completion repeat (s3transfer's `UPLOAD_PART_ARGS`). */
const PART_PARAMETERS = [
  'SSECustomerAlgorithm',
  'SSECustomerKey',
  'SSECustomerKeyMD5',
  'RequestPayer',
  'ExpectedBucketOwner',
];

const S3_SETTINGS = declaredSettings(S3StorageOptions);

/** S3's limit on a key, `location` included. */
const MAX_KEY_BYTES = 1024;

export class S3Storage extends Storage {
  /** Defaults of every setting, as django-storages' `get_default_settings()`; subclasses override some. */
  static readonly defaults: S3StorageOptions = {
    objectParameters: {},
    querystringAuth: true,
    querystringExpire: 3600,
    maxMemorySize: 0,
    urlProtocol: 'https:',
    fileOverwrite: true,
    location: '',
    gzip: false,
    gzipContentTypes: [
      'text/css',
      'text/javascript',
      'application/javascript',
      'application/x-javascript',
      'image/svg+xml',
    ],
    useSsl: true,
    useThreads: true,
    fileBufferSize: 5 * MiB,
    signatureVersion: 's3v4',
  };

  /** The options DTO the constructor validates against; a subclass with settings of its own extends it. */
  static readonly optionsType: new () => S3StorageOptions = S3StorageOptions;

  /** Content type of a name nothing is known about. */
  static readonly defaultContentType = 'application/octet-stream';

  readonly bucketName?: string;
  readonly location: string;
  readonly fileOverwrite: boolean;
  readonly objectParameters: Record<string, unknown>;
  readonly defaultAcl?: string;
  readonly querystringAuth: boolean;
  readonly querystringExpire: number;
  readonly maxMemorySize: number;
  readonly gzip: boolean;
  readonly gzipContentTypes: string[];
  readonly fileBufferSize: number;
  readonly customDomain?: string;
  readonly urlProtocol: string;
  /** The signer of custom-domain URLs: built from `cloudfrontKey` + `cloudfrontKeyId`, or given. */
  readonly cloudfrontSigner: CloudFrontSigner | null;
  readonly transfer: Required<TransferConfig>;
  /** Every S3 call of this storage goes through this client. */
  readonly client: S3Client;

  protected override readonly replayableBytes: number;
  /** The process's part buffers for this storage's budget, shared with every storage of the same budget. */
  readonly partBuffers: PartBufferPool;
  private readonly ownsClient: boolean;
  private readonly urls: S3UrlBuilder;

  constructor(options: S3StorageOptions = {}) {
    super();
    const backend = new.target.name;
    const optionsType = (new.target as typeof S3Storage).optionsType;
    const known = optionsType === S3StorageOptions ? S3_SETTINGS : declaredSettings(optionsType);
    assertValidOptions(optionViolations(backend, optionsType, options, known));
    const settings: S3StorageOptions = { ...(new.target as typeof S3Storage).defaults, ...definedOptions(options) };

    // django-storages reads these from the environment too (`lookup_env`); the generic AWS_*
    // names are left to the SDK's own chain, which also refreshes expiring credentials.
    const keysGiven = !!(settings.accessKey || settings.secretKey);
    settings.accessKey ??= env('AWS_S3_ACCESS_KEY_ID');
    settings.secretKey ??= env('AWS_S3_SECRET_ACCESS_KEY');
    settings.sessionProfile ??= env('AWS_S3_SESSION_PROFILE');
    // There is no AWS_S3_SESSION_TOKEN: temporary keys in AWS_S3_* take their token from the
    // generic names. Keys given as options do not: pairing them with whatever token the
    // process's environment holds (a Lambda's own, say) would only make S3 refuse them.
    if (!keysGiven && settings.accessKey) {
      settings.securityToken ??= env('AWS_SESSION_TOKEN') ?? env('AWS_SECURITY_TOKEN');
    }
    assertValidOptions(settingConflicts(backend, settings));

    this.bucketName = settings.bucketName;
    this.location = settings.location!;
    this.fileOverwrite = settings.fileOverwrite!;
    this.objectParameters = settings.objectParameters!;
    this.defaultAcl = settings.defaultAcl ?? undefined;
    this.querystringAuth = settings.querystringAuth!;
    this.querystringExpire = settings.querystringExpire!;
    this.maxMemorySize = settings.maxMemorySize!;
    this.gzip = settings.gzip!;
    this.gzipContentTypes = settings.gzipContentTypes!;
    this.fileBufferSize = settings.fileBufferSize!;
    this.customDomain = settings.customDomain || undefined;
    this.urlProtocol = settings.urlProtocol!;

    if (settings.useThreads === false) {
      process.emitWarning(
        'The AWS_S3_USE_THREADS setting is deprecated. Use AWS_S3_TRANSFER_CONFIG to customize any of the transfer settings.',
        'DeprecationWarning',
      );
    }
    const transfer = settings.transferConfig ?? {};
    // lib-storage's defaults, not boto3's 8 MiB: each part in flight is held in memory (plus
    // one being filled), so 5 MiB × 4 is what keeps a 1 GiB stream's peak RSS lowest.
    this.transfer = {
      partSize: transfer.partSize ?? 5 * MiB,
      queueSize: transfer.queueSize ?? (settings.useThreads === false ? 1 : 4),
      multipartThreshold: transfer.multipartThreshold ?? 5 * MiB,
      memoryBudget: transfer.memoryBudget ?? 64 * MiB,
    };
    assertValidOptions(budgetConflicts(backend, this.transfer, this.fileBufferSize));
    this.partBuffers = PartBufferPool.forBudget(this.transfer.memoryBudget);
    this.replayableBytes = Math.max(this.transfer.multipartThreshold, this.transfer.partSize);

    this.cloudfrontSigner =
      settings.cloudfrontSigner !== undefined
        ? settings.cloudfrontSigner
        : settings.cloudfrontKey && settings.cloudfrontKeyId
          ? cloudfrontSigner(settings.cloudfrontKeyId, settings.cloudfrontKey)
          : null;

    this.ownsClient = !settings.client;
    this.client = settings.client ?? createS3Client(settings, backend);
    this.urls = new S3UrlBuilder(this);
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
    const key = this.normalizeName(cleanName(name));
    if (!key) return false;
    try {
      await this.client.send(new HeadObjectCommand({ ...this.downloadParameters(key), Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw s3Error('HeadObject', key, err);
    }
  }

  async delete(name: string): Promise<void> {
    const key = this.objectKey(name);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (!isNotFound(err)) throw s3Error('DeleteObject', key, err);
    }
  }

  async listdir(path: string): Promise<[directories: string[], files: string[]]> {
    let prefix = this.normalizeName(cleanName(path));
    if (prefix && !prefix.endsWith('/')) prefix += '/';
    const directories: string[] = [];
    const files: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
        )
        .catch((err: unknown) => {
          throw s3Error('ListObjectsV2', prefix, err);
        });
      for (const common of page.CommonPrefixes ?? []) directories.push(relpath(common.Prefix!, prefix));
      for (const object of page.Contents ?? []) {
        // The "directory" placeholder object itself is not a file of the directory.
        if (object.Key !== prefix) files.push(relpath(object.Key!, prefix));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return [directories, files];
  }

  async size(name: string): Promise<number> {
    return (await this.head(name)).ContentLength ?? 0;
  }

  async getModifiedTime(name: string): Promise<Date> {
    return (await this.head(name)).LastModified!;
  }

  /**
   * A URL of the file: presigned (`querystringAuth`), plain, on the custom domain, or
   * CloudFront-signed, as django-storages' `url()`.
   */
  async url(name: string, options: UrlOptions = {}): Promise<string> {
    return this.urls.url(this.normalizeName(cleanName(name)), options);
  }

  /**
   * A presigned POST for a browser form upload to `name` (cleaned and under `location` as
   * everywhere): send `fields`, then the file, to `url`. The policy pins the key, the content
   * type (guessed from the name unless given), the object parameters a save would send, and
   * at most `maxSize` bytes.
   */
  async uploadUrl(name: string, { expire, contentType, maxSize }: UploadUrlOptions = {}): Promise<UploadUrl> {
    const key = this.objectKey(name);
    return presignedPost(this.client, this.bucket, key, this.writeParameters(key, contentType), {
      expire: expire ?? this.querystringExpire,
      maxSize,
    });
  }

  async createReadStream(name: string, range: ReadRange = {}): Promise<Readable> {
    const key = this.objectKey(name);
    const rangeHeader = byteRange(range);
    let response = await this.getObject(key, key, rangeHeader).catch((err: unknown) => {
      // A start past the end reads nothing, as fs.createReadStream does (of the stored bytes: see below).
      if ((err as StorageError).statusCode === 416) return undefined;
      throw err;
    });
    if (rangeHeader && this.gzip && (!response || this.isGzipped(response))) {
      // A range of the stored (compressed) bytes means nothing to the caller: take it from the content.
      (response?.Body as Readable | undefined)?.destroy();
      response = await this.getObject(key, key);
      if (this.isGzipped(response)) {
        return pipeline(this.content(response, key), sliceBytes(range.start ?? 0, range.end), () => undefined);
      }
      // Not gzipped after all, so the 416 stands.
      (response.Body as Readable).destroy();
      return Readable.from([]);
    }
    if (!response) return Readable.from([]);
    return this.content(response, key);
  }

  override async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  // Internals shared with S3File and the URL builder -------------------------------------------

  /**
   * django-storages' `_normalize_name`: the S3 key of a cleaned name, `location` prefixed. A key
   * longer than S3 allows is refused here, before any request, rather than by the server.
   */
  normalizeName(name: string): string {
    let key: string;
    try {
      key = safeJoin(this.location, name);
    } catch {
      throw new SuspiciousOperation(`Attempted access to '${name}' denied.`);
    }
    // A UTF-16 unit is at most 3 bytes of UTF-8: only long keys need counting.
    if (key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(key) > MAX_KEY_BYTES) {
      throw new SuspiciousFileOperation(
        `S3 object keys are at most ${MAX_KEY_BYTES} bytes of UTF-8; the key of '${name}' is ${Buffer.byteLength(key)} bytes`,
      );
    }
    return key;
  }

  /** PutObject parameters for `key`: object parameters, content type and encoding, default ACL. */
  writeParameters(key: string, contentType?: string): Record<string, unknown> {
    const params = this.getObjectParameters(key);
    if (!('ContentType' in params)) {
      if (contentType) {
        params.ContentType = contentType;
      } else {
        const [type, encoding] = guessType(key);
        params.ContentType = type ?? S3Storage.defaultContentType;
        if (encoding) params.ContentEncoding = encoding;
      }
    }
    if (!('ACL' in params) && this.defaultAcl) params.ACL = this.defaultAcl;
    return params;
  }

  /** The parameters of `getObjectParameters(name)` that a read must repeat (SSE-C keys, version). */
  downloadParameters(name: string): Record<string, unknown> {
    return pick(this.getObjectParameters(name), DOWNLOAD_PARAMETERS);
  }

  /** The write parameters that each UploadPart and the completion of a multipart upload repeat. */
  partParameters(writeParameters: Record<string, unknown>): Record<string, unknown> {
    return pick(writeParameters, PART_PARAMETERS);
  }

  /**
   * One GET; a missing object is `FileNotFoundError`. `name` is what `getObjectParameters` is
   * asked about; `ifMatch` makes it conditional on the object's ETag (412 when it changed).
   */
  async getObject(key: string, name: string, range?: string, ifMatch?: string): Promise<GetObjectCommandOutput> {
    try {
      return await this.client.send(
        new GetObjectCommand({
          ...this.downloadParameters(name),
          Bucket: this.bucket,
          Key: key,
          Range: range,
          IfMatch: ifMatch,
        }),
      );
    } catch (err) {
      if (isNotFound(err)) throw new FileNotFoundError(`File does not exist: ${key}`, { cause: err });
      throw s3Error('GetObject', key, err);
    }
  }

  /**
   * What a GET of `key` holds for the reader: the body, resumed where it breaks off (see
   * ObjectBody) so it is never short, and gunzipped when `gzip` is on and the object is gzipped.
   */
  content(response: GetObjectCommandOutput, key: string, name = key): Readable {
    const body = new ObjectBody(this, key, name, response);
    return this.isGzipped(response) ? pipeline(body, createGunzip(), () => undefined) : body;
  }

  /** Whether `save()` gzips what it stores with these write parameters: `gzip` on, a listed type, no ContentEncoding set. */
  gzips(params: Record<string, unknown>): boolean {
    return this.gzip && this.gzipContentTypes.includes(params.ContentType as string) && !('ContentEncoding' in params);
  }

  /** Whether a read of this response must be gunzipped (`gzip` on and the object gzip-encoded). */
  isGzipped(response: { ContentEncoding?: string }): boolean {
    return this.gzip && response.ContentEncoding === 'gzip';
  }

  /** A non-empty key for an operation on one object. */
  objectKey(name: string): string {
    const key = this.normalizeName(cleanName(name));
    if (!key) throw new SuspiciousFileOperation(`Could not derive file name from '${name}'`);
    return key;
  }

  protected async _open(name: string, mode: FileMode): Promise<S3File> {
    const file = new S3File(this.objectKey(name), mode, this);
    await file.load();
    return file;
  }

  protected async _save(name: string, { body, contentType }: SaveBody): Promise<string> {
    const cleaned = cleanName(name);
    const key = this.normalizeName(cleaned);
    const params = this.writeParameters(key, contentType) as Partial<PutObjectCommandInput>;
    if (this.gzips(params)) {
      body = Buffer.isBuffer(body)
        ? gzipSync(body, { level: 9 })
        : pipeline(body, createGzip({ level: 9 }), () => undefined);
      params.ContentEncoding = 'gzip';
    }
    const input = {
      ...params,
      Bucket: this.bucket,
      Key: key,
      // A create-only write: the server refuses it (412) if another writer took the name meanwhile.
      ...(this.fileOverwrite ? {} : { IfNoneMatch: '*' }),
    } as PutObjectCommandInput;
    try {
      if (Buffer.isBuffer(body) && body.length <= this.transfer.multipartThreshold) {
        await this.client.send(new PutObjectCommand({ ...input, Body: body, ContentLength: body.length }));
      } else {
        await this.upload(input, body);
      }
    } catch (err) {
      const status = statusOf(err) ?? statusOf((err as Error)?.cause);
      if (!this.fileOverwrite && (status === 412 || status === 409)) {
        // A retried create whose first answer was lost finds the object it made itself: success,
        // not a name taken (else the same content would be stored again under a new name).
        if (
          Buffer.isBuffer(body) &&
          Math.max(attemptsOf(err), attemptsOf((err as Error)?.cause)) > 1 &&
          (await this.holds(key, body))
        )
          return cleaned;
        throw new NameTakenError(key, { cause: err });
      }
      throw s3Error('PutObject', key, err);
    }
    return cleaned;
  }

  /** A write through the package's multipart writer: bounded memory, and any failure aborts it. */
  private async upload(input: PutObjectCommandInput, body: Buffer | Readable): Promise<void> {
    const { Bucket, Key, IfNoneMatch, ...params } = input;
    const writer = new S3MultipartWriter({
      client: this.client,
      bucket: Bucket!,
      key: Key!,
      params,
      partParameters: this.partParameters(params),
      partSize: this.transfer.partSize,
      queueSize: this.transfer.queueSize,
      pool: this.partBuffers,
      ifNoneMatch: IfNoneMatch === '*',
    });
    await (Buffer.isBuffer(body) ? writer.writeBuffer(body) : writer.writeStream(body));
  }

  /** Whether the object at `key` is `body`, as a single PutObject stores it (its ETag is the MD5). */
  private async holds(key: string, body: Buffer): Promise<boolean> {
    const md5 = createHash('md5').update(body).digest('hex');
    const head = await this.client
      .send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
      .catch(() => undefined);
    return head?.ETag === `"${md5}"`;
  }

  private async head(name: string) {
    const key = this.objectKey(name);
    try {
      return await this.client.send(
        new HeadObjectCommand({ ...this.downloadParameters(key), Bucket: this.bucket, Key: key }),
      );
    } catch (err) {
      if (isNotFound(err)) throw new FileNotFoundError(`File does not exist: ${key}`, { cause: err });
      throw s3Error('HeadObject', key, err);
    }
  }
}

/** A memory budget must hold at least one part of each kind of write. */
function budgetConflicts(backend: string, transfer: Required<TransferConfig>, fileBufferSize: number): string[] {
  const part = Math.max(transfer.partSize, fileBufferSize);
  return transfer.memoryBudget < part
    ? [
        `${backend} setting 'transferConfig.memoryBudget' (${transfer.memoryBudget} bytes) is smaller than one part ` +
          `(${part} bytes: the larger of transferConfig.partSize and fileBufferSize)`,
      ]
    : [];
}

/** The conflicts django-storages checks in `__init__`, in its wording, with our setting names. */
function settingConflicts(backend: string, s: S3StorageOptions): string[] {
  const problems: string[] = [];
  const location = s.location ?? '';
  if (location.startsWith('/')) {
    problems.push(
      `${backend}.location cannot begin with a leading slash. Found '${location}'. Use '${location.replace(/^\/+/, '')}' instead.`,
    );
  }
  if ((s.accessKey || s.secretKey) && s.sessionProfile) {
    problems.push(
      'AWS_S3_SESSION_PROFILE/sessionProfile should not be provided with AWS_S3_ACCESS_KEY_ID/accessKey and AWS_S3_SECRET_ACCESS_KEY/secretKey',
    );
  } else if (!s.accessKey !== !s.secretKey) {
    problems.push('AWS_S3_ACCESS_KEY_ID/accessKey and AWS_S3_SECRET_ACCESS_KEY/secretKey must be provided together.');
  }
  if (!s.cloudfrontKey !== !s.cloudfrontKeyId && s.cloudfrontSigner === undefined) {
    problems.push(
      'Both AWS_CLOUDFRONT_KEY_ID/cloudfrontKeyId and AWS_CLOUDFRONT_KEY/cloudfrontKey must be provided together.',
    );
  }
  if (s.cloudfrontKey) {
    try {
      createPrivateKey(s.cloudfrontKey);
    } catch {
      problems.push(`${backend} setting 'cloudfrontKey' is not a PEM private key`);
    }
  }
  // As in django-storages, `clientConfig` replaces signatureVersion (and addressingStyle, proxies).
  const signatureVersion = s.clientConfig ? undefined : s.signatureVersion;
  if (signatureVersion === 's3') {
    problems.push(
      `${backend} setting 'signatureVersion' is 's3' (SigV2), which AWS SDK v3 cannot sign with: it signs only with SigV4. Use 's3v4'.`,
    );
  } else if (signatureVersion !== undefined && signatureVersion !== 's3v4') {
    problems.push(`${backend} setting 'signatureVersion' must be 's3v4'`);
  }
  return problems;
}

function pick(params: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([key]) => keys.includes(key)));
}

function env(name: string): string | undefined {
  return process.env[name] || undefined;
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
