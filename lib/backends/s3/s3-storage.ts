/**
 * django-storages' `S3Storage` on AWS SDK v3: the Django Storage API over one bucket, every
 * setting of `S3StorageOptions`, one `S3Client` per storage. Reads are one GET (no HEAD first),
 * streams are streamed, and a create-only save is a conditional write.
 */
import { createPrivateKey } from 'node:crypto';
import { Readable, Transform, pipeline } from 'node:stream';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ImproperlyConfigured, type StorageError } from '../../core/errors.js';
import { cleanName } from '../../core/names.js';
import { relpath } from '../../core/posixpath.js';
import { Storage, type ReadRange, type SaveBody, type UrlOptions } from '../../core/storage.js';
import type { FileMode } from '../../core/storage-file.js';
import { assertValidOptions, declaredSettings, definedOptions, optionViolations } from '../../core/validate-options.js';
import { createS3Client } from './s3-client.factory.js';
import { isNotFound, s3Error } from './s3-errors.js';
import { S3File } from './s3-file.js';
import { gatewayOf, type S3Gateway } from './s3-gateway.js';
import { cloudfrontSigner } from './cloudfront-signer.js';
import { presignedPost, type UploadUrl, type UploadUrlOptions } from './s3-presigned-post.js';
import { S3UrlBuilder } from './s3-url.builder.js';
import { MiB, S3StorageOptions, type CloudFrontSigner, type TransferConfig } from './s3-storage.options.js';

const S3_SETTINGS = declaredSettings(S3StorageOptions);

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

  /** The bucket (`AWS_STORAGE_BUCKET_NAME`). */
  readonly bucketName?: string;
  /** Prefix of every key (`AWS_LOCATION`). */
  readonly location: string;
  readonly fileOverwrite: boolean;
  /** Parameters every write sends (`AWS_S3_OBJECT_PARAMETERS`); see `getObjectParameters`. */
  readonly objectParameters: Record<string, unknown>;
  /** Canned ACL of written objects (`AWS_DEFAULT_ACL`); unset leaves it to the bucket. */
  readonly defaultAcl?: string;
  /** Whether `url()` presigns (`AWS_QUERYSTRING_AUTH`). */
  readonly querystringAuth: boolean;
  /** Seconds a presigned URL is valid (`AWS_QUERYSTRING_EXPIRE`). */
  readonly querystringExpire: number;
  /** Bytes a file opened for writing holds in memory before spilling to disk (`AWS_S3_MAX_MEMORY_SIZE`; 0: never). */
  readonly maxMemorySize: number;
  /** Whether `save()` gzips the `gzipContentTypes` (`AWS_IS_GZIPPED`). */
  readonly gzip: boolean;
  /** Content types `save()` gzips when `gzip` is on (`GZIP_CONTENT_TYPES`). */
  readonly gzipContentTypes: string[];
  /** Part size of a file opened for writing (`AWS_S3_FILE_BUFFER_SIZE`). */
  readonly fileBufferSize: number;
  /** Host of `url()` instead of the bucket's (`AWS_S3_CUSTOM_DOMAIN`). */
  readonly customDomain?: string;
  /** Scheme of custom-domain URLs, with its colon (`AWS_S3_URL_PROTOCOL`). */
  readonly urlProtocol: string;
  /** The signer of custom-domain URLs: built from `cloudfrontKey` + `cloudfrontKeyId`, or given. */
  readonly cloudfrontSigner: CloudFrontSigner | null;
  /** @internal The resolved `transferConfig`. */
  readonly transfer: Required<TransferConfig>;
  /** @internal Every S3 call of this storage goes through this client (the `client` option, or its own). */
  readonly client: S3Client;

  protected override readonly replayableBytes: number;
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
    };
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

  override async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  protected async _open(name: string, mode: FileMode): Promise<S3File> {
    const file = new S3File(this.gateway.objectKey(name), mode, this);
    await file.load();
    return file;
  }

  protected async _save(name: string, body: SaveBody): Promise<string> {
    const cleaned = cleanName(name);
    await this.gateway.put(cleaned, body);
    return cleaned;
  }

  /** The object gateway every S3 call of this storage goes through. */
  private get gateway(): S3Gateway {
    return gatewayOf(this);
  }
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
