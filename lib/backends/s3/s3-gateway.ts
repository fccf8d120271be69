/**
 * The object gateway of an `S3Storage`: its client and bucket, the request parameters of each
 * object (write, download and multipart-part parameters, from the storage's overridable
 * `getObjectParameters`), the mapping of S3 failures to storage errors, and the object calls
 * (get, head, put, multipart upload). `S3Storage`, `S3File`, the object bodies and the URL code
 * reach S3 only through it; it reads the storage's resolved settings and nothing else of it.
 * Internal: not exported from the package.
 */
import { createHash } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { createGunzip, createGzip, gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FileNotFoundError, StorageError, SuspiciousFileOperation, SuspiciousOperation } from '../../core/errors.js';
import { guessType } from '../../core/mimetypes.js';
import { cleanName, safeJoin } from '../../core/names.js';
import { NameTakenError, type SaveBody } from '../../core/storage.js';
import { attemptsOf, isNotFound, s3Error, statusOf } from './s3-errors.js';
import { ObjectBody } from './s3-object-body.js';
import { unquoteEtag } from './s3-listing.js';
import { S3MultipartWriter } from './s3-multipart-writer.js';
import type { S3Storage } from './s3-storage.js';

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

/** S3's limit on a key, `location` included. */
const MAX_KEY_BYTES = 1024;

const gateways = new WeakMap<S3Storage, S3Gateway>();

/** The gateway of `storage`, made on first use. */
export function gatewayOf(storage: S3Storage): S3Gateway {
  let gateway = gateways.get(storage);
  if (!gateway) gateways.set(storage, (gateway = new S3Gateway(storage)));
  return gateway;
}

export class S3Gateway {
  constructor(private readonly storage: S3Storage) {}

  /** Every S3 call of the storage goes through this client. */
  get client(): S3Client {
    return this.storage.client;
  }

  /** The bucket every call goes to (`ImproperlyConfigured` when the storage has none). */
  get bucket(): string {
    return this.storage.bucket;
  }

  /**
   * django-storages' `_normalize_name`: the S3 key of a cleaned name, `location` prefixed. A key
   * longer than S3 allows is refused here, before any request, rather than by the server.
   */
  normalizeName(name: string): string {
    let key: string;
    try {
      key = safeJoin(this.storage.location, name);
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

  /** A non-empty key for an operation on one object. */
  objectKey(name: string): string {
    const key = this.normalizeName(cleanName(name));
    if (!key) throw new SuspiciousFileOperation(`Could not derive file name from '${name}'`);
    return key;
  }

  /** PutObject parameters for `key`: object parameters, content type and encoding, default ACL. */
  writeParameters(key: string, contentType?: string): Record<string, unknown> {
    const params = this.storage.getObjectParameters(key);
    if (!('ContentType' in params)) {
      if (contentType) {
        params.ContentType = contentType;
      } else {
        const [type, encoding] = guessType(key);
        params.ContentType = type ?? (this.storage.constructor as typeof S3Storage).defaultContentType;
        if (encoding) params.ContentEncoding = encoding;
      }
    }
    if (!('ACL' in params) && this.storage.defaultAcl) params.ACL = this.storage.defaultAcl;
    return params;
  }

  /** The parameters of `getObjectParameters(name)` that a read must repeat (SSE-C keys, version). */
  downloadParameters(name: string): Record<string, unknown> {
    return pick(this.storage.getObjectParameters(name), DOWNLOAD_PARAMETERS);
  }

  /** The write parameters that each UploadPart and the completion of a multipart upload repeat. */
  partParameters(writeParameters: Record<string, unknown>): Record<string, unknown> {
    return pick(writeParameters, PART_PARAMETERS);
  }

  /** Whether `save()` gzips what it stores with these write parameters: `gzip` on, a listed type, no ContentEncoding set. */
  gzips(params: Record<string, unknown>): boolean {
    const { gzip, gzipContentTypes } = this.storage;
    return gzip && gzipContentTypes.includes(params.ContentType as string) && !('ContentEncoding' in params);
  }

  /** Whether a read of this response must be gunzipped (`gzip` on and the object gzip-encoded). */
  isGzipped(response: { ContentEncoding?: string }): boolean {
    return this.storage.gzip && response.ContentEncoding === 'gzip';
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

  /** One HEAD of the object of `name`; a missing object is `FileNotFoundError`. */
  async head(name: string): Promise<HeadObjectCommandOutput> {
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

  /**
   * What a GET of `key` holds for the reader: the body, resumed where it breaks off (see
   * ObjectBody) so it is never short, and gunzipped when `gzip` is on and the object is gzipped.
   * An object that claims gzip but is not gzip data fails its read with a `StorageError` naming it.
   */
  content(response: GetObjectCommandOutput, key: string, name = key): Readable {
    const body = new ObjectBody(this, key, name, response);
    if (!this.isGzipped(response)) return body;
    const gunzipped = pipeline(body, createGunzip(), () => undefined);
    return Readable.from(
      (async function* () {
        try {
          yield* gunzipped;
        } catch (err) {
          if (!/^Z_/.test((err as { code?: string }).code ?? '')) throw err;
          throw new StorageError(
            `S3 read of '${key}' failed: it is stored with Content-Encoding gzip but is not gzip data: ${(err as Error).message}`,
            { cause: err },
          );
        }
      })(),
      { objectMode: false },
    );
  }

  /**
   * Stores `body` under `name` (a cleaned name) with the storage's write parameters, gzipped
   * when they say so, create-only when `fileOverwrite` is off (`NameTakenError` when the name is
   * taken). Small buffers are one PutObject; the rest a multipart upload that any failure aborts.
   */
  async put(name: string, { body, contentType }: SaveBody): Promise<string | undefined> {
    const key = this.normalizeName(name);
    const params = this.writeParameters(key, contentType) as Partial<PutObjectCommandInput>;
    if (this.gzips(params)) {
      body = Buffer.isBuffer(body)
        ? gzipSync(body, { level: 9 })
        : pipeline(body, createGzip({ level: 9 }), () => undefined);
      params.ContentEncoding = 'gzip';
    }
    const createOnly = !this.storage.fileOverwrite;
    const input = {
      ...params,
      Bucket: this.bucket,
      Key: key,
      // A create-only write: the server refuses it (412) if another writer took the name meanwhile.
      ...(createOnly ? { IfNoneMatch: '*' } : {}),
    } as PutObjectCommandInput;
    try {
      if (Buffer.isBuffer(body) && body.length <= this.storage.transfer.multipartThreshold) {
        const { ETag } = await this.client.send(
          new PutObjectCommand({ ...input, Body: body, ContentLength: body.length }),
        );
        return unquoteEtag(ETag);
      }
      return unquoteEtag(await this.upload(input, body));
    } catch (err) {
      // The multipart writer wraps the SDK's error: its status and attempts are the cause's.
      const cause = (err as Error)?.cause;
      const status = statusOf(err) ?? statusOf(cause);
      if (createOnly && (status === 412 || status === 409)) {
        // A retried create whose first answer was lost finds the object it made itself: success,
        // not a name taken (else the same content would be stored again under a new name).
        const attempts = Math.max(attemptsOf(err), attemptsOf(cause));
        const held = Buffer.isBuffer(body) && attempts > 1 ? await this.heldEtag(key, body) : undefined;
        if (held) return held;
        throw new NameTakenError(key, { cause: err });
      }
      throw s3Error('PutObject', key, err);
    }
  }

  /** A write through the package's multipart writer: part buffers from the pool, and any failure aborts it. */
  private async upload(input: PutObjectCommandInput, body: Buffer | Readable): Promise<string | undefined> {
    const { Bucket, Key, IfNoneMatch, ...params } = input;
    const writer = new S3MultipartWriter({
      client: this.client,
      bucket: Bucket!,
      key: Key!,
      params,
      partParameters: this.partParameters(params),
      partSize: this.storage.transfer.partSize,
      queueSize: this.storage.transfer.queueSize,
      pool: this.storage.partBuffers,
      ifNoneMatch: IfNoneMatch === '*',
    });
    await (Buffer.isBuffer(body) ? writer.writeBuffer(body) : writer.writeStream(body));
    return writer.etag;
  }

  /** The ETag of the object at `key` if it is `body` as a single PutObject stores it (its ETag is the MD5). */
  private async heldEtag(key: string, body: Buffer): Promise<string | undefined> {
    const md5 = createHash('md5').update(body).digest('hex');
    const head = await this.client
      .send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
      .catch(() => undefined);
    return head?.ETag === `"${md5}"` ? md5 : undefined;
  }
}

function pick(params: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([key]) => keys.includes(key)));
}
