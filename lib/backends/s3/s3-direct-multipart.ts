/**
 * Multipart uploads that a client without credentials (a browser) sends straight to S3: the
 * server starts the upload, signs one URL per part, and completes or aborts it. The bytes never
 * pass through the server, so a file of any size (up to S3's 10,000 parts) goes up, and a
 * dropped part is sent again on its own.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type CreateMultipartUploadCommandInput,
} from '@aws-sdk/client-s3';
import { FileNotFoundError, NotImplementedError } from '../../core/errors.js';
import { cleanName } from '../../core/names.js';
import type { StorageStat } from '../../core/storage-entries.js';
import { isNotFound, s3Error, statusOf } from './s3-errors.js';
import { gatewayOf } from './s3-gateway.js';
import { unquoteEtag } from './s3-listing.js';
import { S3Presigner } from './s3-presigner.js';
import type { S3Storage } from './s3-storage.js';

/** S3's part numbers run from 1 to 10,000. */
export const MAX_PARTS = 10_000;

/** What a file's metadata is, as one HEAD tells it. */
/** Options of `createMultipartUpload()`. */
export interface CreateMultipartUploadOptions {
  /** The object's content type; guessed from the name as `save()` does by default. */
  contentType?: string;
}

/** Options of `signUploadPart()`. */
export interface SignUploadPartOptions {
  /** Seconds the URL stays valid; `querystringExpire` by default. */
  expire?: number;
}

/** A part S3 holds for an upload in progress. */
export interface UploadedPart {
  partNumber: number;
  /** The part's entity tag, without its quotes. */
  etag: string;
  size: number;
}

/** Options of `abortIncompleteUploads()`. */
export interface AbortIncompleteUploadsOptions {
  /** Abort the uploads started before this; a day ago by default. */
  olderThan?: Date;
  /** Only the uploads of names under this folder (of the storage); all of them by default. */
  path?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const presigners = new WeakMap<S3Storage, S3Presigner>();

/** Starts a multipart upload of `name` with the object parameters a `save()` would send. */
export async function createMultipartUpload(
  storage: S3Storage,
  name: string,
  { contentType }: CreateMultipartUploadOptions = {},
): Promise<{ name: string; uploadId: string }> {
  const cleaned = cleanName(name);
  const key = gatewayOf(storage).objectKey(cleaned);
  const parameters = directWriteParameters(storage, key, contentType);
  try {
    const { UploadId } = await storage.client.send(
      new CreateMultipartUploadCommand({
        ...(parameters as Partial<CreateMultipartUploadCommandInput>),
        Bucket: storage.bucket,
        Key: key,
      }),
    );
    return { name: cleaned, uploadId: UploadId! };
  } catch (err) {
    throw s3Error('CreateMultipartUpload', key, err);
  }
}

/** A presigned URL the client PUTs part `partNumber` of the upload to; S3 answers its ETag. */
export async function signUploadPart(
  storage: S3Storage,
  name: string,
  uploadId: string,
  partNumber: number,
  { expire }: SignUploadPartOptions = {},
): Promise<string> {
  assertPartNumber(partNumber);
  assertUploadId(uploadId);
  const key = gatewayOf(storage).objectKey(name);
  const parameters = gatewayOf(storage).partParameters(directWriteParameters(storage, key));
  let presigner = presigners.get(storage);
  if (!presigner) presigners.set(storage, (presigner = new S3Presigner(storage.client, storage.bucket)));
  return presigner.presignUploadPart(key, uploadId, partNumber, parameters, {
    expiresIn: expire ?? storage.querystringExpire,
  });
}

/** The parts S3 holds for the upload, in part order (every page of ListParts). */
export async function listUploadParts(storage: S3Storage, name: string, uploadId: string): Promise<UploadedPart[]> {
  assertUploadId(uploadId);
  const key = gatewayOf(storage).objectKey(name);
  const parts: UploadedPart[] = [];
  let marker: string | undefined;
  do {
    const page = await storage.client
      .send(new ListPartsCommand({ Bucket: storage.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }))
      .catch((err: unknown) => {
        throw uploadError('ListParts', key, uploadId, err);
      });
    for (const part of page.Parts ?? []) {
      parts.push({ partNumber: part.PartNumber!, etag: unquoteEtag(part.ETag)!, size: part.Size ?? 0 });
    }
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker);
  return parts;
}

/**
 * Joins the parts into the object and answers what one HEAD then says of it. The parts are
 * sent in part order, as S3 requires, whatever order they were given in.
 */
export async function completeMultipartUpload(
  storage: S3Storage,
  name: string,
  uploadId: string,
  parts: Array<{ partNumber: number; etag: string }>,
): Promise<StorageStat> {
  assertUploadId(uploadId);
  const key = gatewayOf(storage).objectKey(name);
  const cleaned = cleanName(name);
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new RangeError('completeMultipartUpload() needs the parts: [{ partNumber, etag }, ...]');
  }
  for (const part of parts) {
    assertPartNumber(part?.partNumber);
    if (typeof part.etag !== 'string' || !part.etag) {
      throw new TypeError(`part ${part.partNumber} has no etag`);
    }
  }
  const sorted = [...parts]
    .sort((a, b) => a.partNumber - b.partNumber)
    .map(({ partNumber, etag }) => ({ PartNumber: partNumber, ETag: quote(etag) }));
  const parameters = gatewayOf(storage).partParameters(directWriteParameters(storage, key));
  await storage.client
    .send(
      new CompleteMultipartUploadCommand({
        ...parameters,
        Bucket: storage.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: sorted },
      }),
    )
    .catch(async (err: unknown) => {
      // Some servers (Ceph RGW) answer a completion of an upload they do not know with a 5xx:
      // one ListParts tells a gone upload (FileNotFoundError) from a failure worth retrying.
      if ((statusOf(err) ?? 0) >= 500 && !(await uploadExists(storage, key, uploadId))) {
        throw new FileNotFoundError(`Upload does not exist: ${key} (upload ${uploadId})`, { cause: err });
      }
      throw uploadError('CompleteMultipartUpload', key, uploadId, err);
    });
  return storage.stat(cleaned);
}

/** Aborts the upload: S3 drops the parts it holds. An upload S3 does not know is `FileNotFoundError`. */
export async function abortMultipartUpload(storage: S3Storage, name: string, uploadId: string): Promise<void> {
  assertUploadId(uploadId);
  const key = gatewayOf(storage).objectKey(name);
  await storage.client
    .send(new AbortMultipartUploadCommand({ Bucket: storage.bucket, Key: key, UploadId: uploadId }))
    .catch((err: unknown) => {
      throw uploadError('AbortMultipartUpload', key, uploadId, err);
    });
}

/**
 * Aborts every multipart upload under `location` (and `path`) started before `olderThan` (a
 * day ago by default): what browsers that went away left behind. Resolves to how many.
 */
export async function abortIncompleteUploads(
  storage: S3Storage,
  { olderThan = new Date(Date.now() - DAY_MS), path = '' }: AbortIncompleteUploadsOptions = {},
): Promise<number> {
  let prefix = gatewayOf(storage).normalizeName(cleanName(path));
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  let aborted = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    const page = await storage.client
      .send(
        new ListMultipartUploadsCommand({
          Bucket: storage.bucket,
          Prefix: prefix || undefined,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      )
      .catch((err: unknown) => {
        throw s3Error('ListMultipartUploads', prefix, err);
      });
    for (const upload of page.Uploads ?? []) {
      if (!upload.Initiated || upload.Initiated >= olderThan) continue;
      await storage.client
        .send(new AbortMultipartUploadCommand({ Bucket: storage.bucket, Key: upload.Key, UploadId: upload.UploadId }))
        .then(
          () => aborted++,
          (err: unknown) => {
            // Completed or aborted by someone else meanwhile: gone either way.
            if (!isNotFound(err)) throw s3Error('AbortMultipartUpload', upload.Key!, err);
          },
        );
    }
    const more = page.IsTruncated;
    keyMarker = more ? page.NextKeyMarker : undefined;
    uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return aborted;
}

/**
 * The write parameters of a direct upload: those of `save()`, but never SSE-C, whose key the
 * client would have to be given to send each part.
 */
function directWriteParameters(storage: S3Storage, key: string, contentType?: string): Record<string, unknown> {
  const parameters = gatewayOf(storage).writeParameters(key, contentType);
  const customerKey = Object.keys(parameters).filter((name) => name.startsWith('SSECustomer'));
  if (customerKey.length) {
    throw new NotImplementedError(
      `Direct uploads cannot use SSE-C (getObjectParameters('${key}') sets ${customerKey.join(', ')}): ` +
        'every part would have to carry the customer key, which the client must not be given',
    );
  }
  return parameters;
}

/** Whether S3 holds the upload: false only when ListParts says NoSuchUpload. */
async function uploadExists(storage: S3Storage, key: string, uploadId: string): Promise<boolean> {
  try {
    await storage.client.send(
      new ListPartsCommand({ Bucket: storage.bucket, Key: key, UploadId: uploadId, MaxParts: 1 }),
    );
    return true;
  } catch (err) {
    return !(uploadError('ListParts', key, uploadId, err) instanceof FileNotFoundError);
  }
}

/** A multipart call's failure: an upload S3 does not know (completed, aborted, never made) is `FileNotFoundError`. */
function uploadError(operation: string, key: string, uploadId: string, err: unknown): unknown {
  const code = (err as { name?: string })?.name;
  if (code === 'NoSuchUpload' || statusOf(err) === 404) {
    return new FileNotFoundError(`Upload does not exist: ${key} (upload ${uploadId})`, { cause: err });
  }
  return s3Error(operation, key, err);
}

function assertPartNumber(partNumber: unknown): asserts partNumber is number {
  if (!Number.isInteger(partNumber) || (partNumber as number) < 1 || (partNumber as number) > MAX_PARTS) {
    throw new RangeError(`A part number is a whole number from 1 to ${MAX_PARTS}, not ${String(partNumber)}`);
  }
}

function assertUploadId(uploadId: unknown): asserts uploadId is string {
  if (typeof uploadId !== 'string' || !uploadId) throw new TypeError('An upload id is a non-empty string');
}

function quote(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}
