/**
 * `copy()` on S3, server-side: the bytes never pass through this process.
 *
 * Up to the copy threshold (by default S3's own limit on CopyObject, 5 GiB) one CopyObject with
 * `MetadataDirective: COPY`, so the target keeps the source's content type, encoding, cache and
 * disposition headers and metadata; the target's own write parameters (ACL from `defaultAcl`,
 * encryption, storage class) are applied as a save applies them. With the default threshold
 * the size is not asked first: S3 refuses a larger source, and only then is it HEADed and
 * copied in parts. Above the threshold a multipart upload of UploadPartCopy ranges (the
 * storage's part size, more when 10,000 parts would not hold it), started with the source's
 * headers and metadata carried explicitly (a multipart upload copies none), each part
 * conditional on the source's ETag so a source replaced midway fails the copy instead of mixing
 * two versions; any failure aborts the upload, so no parts are left behind. With `fileOverwrite`
 * false both write create-only (`If-None-Match: *`), as `save()` does.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FileNotFoundError } from '../../core/errors.js';
import { NameTakenError } from '../../core/storage.js';
import { isNotFound, s3Error, statusOf } from './s3-errors.js';
import { OBJECT_PARAMETERS } from './s3-object-parameters.js';

/** S3's limit on the source of one CopyObject, and on one part. */
export const MAX_COPY_SIZE = 5 * 1024 ** 3;
const MAX_PARTS = 10_000;

/**
 * The object parameters that describe the content, which a copy takes from its source
 * (`MetadataDirective` and `TaggingDirective` COPY); the others describe the target object.
 */
const CONTENT_PARAMETERS = new Set([
  'CacheControl',
  'ChecksumAlgorithm',
  'ContentDisposition',
  'ContentEncoding',
  'ContentLanguage',
  'ContentType',
  'Expires',
  'Metadata',
  'Tagging',
  'WebsiteRedirectLocation',
]);

/** Write parameters that describe the target object rather than its content: applied to a copy. */
const TARGET_PARAMETERS = OBJECT_PARAMETERS.filter((name) => !CONTENT_PARAMETERS.has(name));

/** Of those, what each UploadPartCopy and the completion repeat. */
const PART_PARAMETERS = [
  'ExpectedBucketOwner',
  'RequestPayer',
  'SSECustomerAlgorithm',
  'SSECustomerKey',
  'SSECustomerKeyMD5',
];

export interface S3CopyRequest {
  client: S3Client;
  bucket: string;
  sourceKey: string;
  targetKey: string;
  /** The read parameters of the source (`downloadParameters`): its SSE-C key, if any. */
  sourceParameters: Record<string, unknown>;
  /** The write parameters of the target (`writeParameters`), of which the target's own are applied. */
  targetParameters: Record<string, unknown>;
  /** Sources larger than this are copied in parts. */
  threshold: number;
  partSize: number;
  /** Parts copied at once. */
  queueSize: number;
  /**
   * A create-only copy (`fileOverwrite` false): the server refuses it (412) if another writer
   * took the target name meanwhile, and it fails with `NameTakenError`, as a create-only save.
   */
  exclusive: boolean;
}

export async function copyObject(request: S3CopyRequest): Promise<void> {
  if (request.threshold >= MAX_COPY_SIZE) {
    try {
      return await singleCopy(request);
    } catch (err) {
      if (statusOf((err as { cause?: unknown }).cause) !== 400) throw err;
      // Perhaps too large for CopyObject: the size decides.
      const head = await headSource(request);
      if ((head.ContentLength ?? 0) <= MAX_COPY_SIZE) throw err;
      return multipartCopy(request, head);
    }
  }
  const head = await headSource(request);
  if ((head.ContentLength ?? 0) > request.threshold) return multipartCopy(request, head);
  return singleCopy(request);
}

async function singleCopy(request: S3CopyRequest): Promise<void> {
  const { client, bucket, sourceKey, targetKey } = request;
  try {
    await client.send(
      new CopyObjectCommand({
        ...pick(request.targetParameters, TARGET_PARAMETERS),
        ...copySourceParameters(request),
        Bucket: bucket,
        Key: targetKey,
        MetadataDirective: 'COPY',
        IfNoneMatch: request.exclusive ? '*' : undefined,
      }),
    );
  } catch (err) {
    if (request.exclusive && isNameTaken(err)) throw new NameTakenError(targetKey, { cause: err });
    throw failure('CopyObject', sourceKey, err);
  }
}

async function multipartCopy(request: S3CopyRequest, head: HeadObjectCommandOutput): Promise<void> {
  const { client, bucket, targetKey } = request;
  const size = head.ContentLength ?? 0;
  const partSize = Math.max(request.partSize, Math.ceil(size / MAX_PARTS));
  const partParameters = pick(request.targetParameters, PART_PARAMETERS);
  const { UploadId } = await client
    .send(
      new CreateMultipartUploadCommand({
        ...pick(request.targetParameters, TARGET_PARAMETERS),
        Bucket: bucket,
        Key: targetKey,
        ContentType: head.ContentType,
        ContentEncoding: head.ContentEncoding,
        ContentDisposition: head.ContentDisposition,
        ContentLanguage: head.ContentLanguage,
        CacheControl: head.CacheControl,
        Expires: head.Expires,
        WebsiteRedirectLocation: head.WebsiteRedirectLocation,
        Metadata: head.Metadata,
      }),
    )
    .catch((err: unknown) => {
      throw s3Error('CreateMultipartUpload', targetKey, err);
    });
  try {
    const ranges = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => ({
      PartNumber: i + 1,
      range: `bytes=${i * partSize}-${Math.min(size, (i + 1) * partSize) - 1}`,
    }));
    const parts: CompletedPart[] = [];
    let next = 0;
    const worker = async () => {
      while (next < ranges.length) {
        const { PartNumber, range } = ranges[next++];
        const { CopyPartResult } = await client
          .send(
            new UploadPartCopyCommand({
              ...partParameters,
              ...copySourceParameters(request),
              Bucket: bucket,
              Key: targetKey,
              UploadId,
              PartNumber,
              CopySourceRange: range,
              CopySourceIfMatch: head.ETag,
            }),
          )
          .catch((err: unknown) => {
            throw failure('UploadPartCopy', request.sourceKey, err);
          });
        parts.push({ PartNumber, ETag: CopyPartResult?.ETag });
      }
    };
    // A failed worker stops the others taking new parts; the first failure is thrown.
    const results = await Promise.allSettled(
      Array.from({ length: Math.min(request.queueSize, ranges.length) }, () =>
        worker().catch((err: unknown) => {
          next = ranges.length;
          throw err;
        }),
      ),
    );
    const rejected = results.find((result) => result.status === 'rejected');
    if (rejected) throw rejected.reason;
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await client
      .send(
        new CompleteMultipartUploadCommand({
          ...partParameters,
          Bucket: bucket,
          Key: targetKey,
          UploadId,
          MultipartUpload: { Parts: parts },
          IfNoneMatch: request.exclusive ? '*' : undefined,
        }),
      )
      .catch((err: unknown) => {
        if (request.exclusive && isNameTaken(err)) throw new NameTakenError(targetKey, { cause: err });
        throw s3Error('CompleteMultipartUpload', targetKey, err);
      });
  } catch (err) {
    await client
      .send(new AbortMultipartUploadCommand({ ...partParameters, Bucket: bucket, Key: targetKey, UploadId }))
      .catch(() => undefined);
    throw err;
  }
}

/** One HEAD of the source: its size, ETag, headers and metadata. */
async function headSource({
  client,
  bucket,
  sourceKey,
  sourceParameters,
}: S3CopyRequest): Promise<HeadObjectCommandOutput> {
  try {
    return await client.send(new HeadObjectCommand({ ...sourceParameters, Bucket: bucket, Key: sourceKey }));
  } catch (err) {
    throw failure('HeadObject', sourceKey, err);
  }
}

/** `CopySource` (URL-encoded, as S3 requires) and the source's SSE-C key as copy-source parameters. */
function copySourceParameters({ bucket, sourceKey, sourceParameters }: S3CopyRequest): { CopySource: string } {
  const params: { CopySource: string } & Record<string, unknown> = {
    CopySource: `${bucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`,
  };
  for (const name of ['SSECustomerAlgorithm', 'SSECustomerKey', 'SSECustomerKeyMD5']) {
    if (sourceParameters[name] !== undefined) params[`CopySource${name}`] = sourceParameters[name];
  }
  return params;
}

/** A conditional write refused because the name exists (412), or lost a race for it (409). */
function isNameTaken(err: unknown): boolean {
  const status = statusOf(err);
  return status === 412 || status === 409;
}

function failure(operation: string, sourceKey: string, err: unknown): unknown {
  if (isNotFound(err)) return new FileNotFoundError(`File does not exist: ${sourceKey}`, { cause: err });
  return s3Error(operation, sourceKey, err);
}

function pick(params: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([key]) => keys.includes(key)));
}
