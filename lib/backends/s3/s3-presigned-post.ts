/**
 * `S3Storage.uploadUrl()`: a presigned POST (an HTML form upload straight from the browser to
 * S3) for one key, carrying the object parameters a `save()` would send, as form fields the
 * policy pins. django-storages leaves this to its users (jschneier/django-storages#1481).
 */
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { S3Client } from '@aws-sdk/client-s3';
import { assertExpiry } from './s3-presigner.js';

/** Options of `uploadUrl()`. */
export interface UploadUrlOptions {
  /** Seconds the form stays valid; `querystringExpire` by default. */
  expire?: number;
  /** The object's content type; guessed from the name as `save()` does by default. */
  contentType?: string;
  /** Largest upload accepted, in bytes (the policy's `content-length-range`). */
  maxSize?: number;
}

/** A form's target and the fields to send, in order, before the file. */
export interface UploadUrl {
  url: string;
  fields: Record<string, string>;
}

/** PutObject parameters and their POST form fields. */
const FORM_FIELDS: Record<string, string> = {
  ACL: 'acl',
  CacheControl: 'Cache-Control',
  ContentDisposition: 'Content-Disposition',
  ContentEncoding: 'Content-Encoding',
  ContentType: 'Content-Type',
  Expires: 'Expires',
  StorageClass: 'x-amz-storage-class',
  ServerSideEncryption: 'x-amz-server-side-encryption',
  SSEKMSKeyId: 'x-amz-server-side-encryption-aws-kms-key-id',
  SSEKMSEncryptionContext: 'x-amz-server-side-encryption-context',
  BucketKeyEnabled: 'x-amz-server-side-encryption-bucket-key-enabled',
  WebsiteRedirectLocation: 'x-amz-website-redirect-location',
};

/** Parameters about the request rather than the object: a form upload does without them. */
const REQUEST_PARAMETERS = ['ChecksumAlgorithm', 'ExpectedBucketOwner', 'RequestPayer'];

/** The presigned POST of `key`, `parameters` being the PutObject parameters a save would send. */
export async function presignedPost(
  client: S3Client,
  bucket: string,
  key: string,
  parameters: Record<string, unknown>,
  { expire, maxSize }: { expire: number; maxSize?: number },
): Promise<UploadUrl> {
  if (key.includes('${filename}')) {
    // S3 would put the uploader's own file name there: the client, not the storage, would name the object.
    throw new TypeError(`uploadUrl() refuses '\${filename}' in a name: ${key}`);
  }
  assertExpiry(expire);
  if (maxSize !== undefined && !(Number.isSafeInteger(maxSize) && maxSize >= 0)) {
    throw new RangeError(`maxSize must be a whole number of bytes, not ${maxSize}`);
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) {
    if (value === undefined || value === null || REQUEST_PARAMETERS.includes(name)) continue;
    if (name in FORM_FIELDS) {
      fields[FORM_FIELDS[name]] = value instanceof Date ? value.toUTCString() : String(value);
    } else if (name === 'Metadata') {
      for (const [metaName, metaValue] of Object.entries(value as Record<string, string>)) {
        fields[`x-amz-meta-${metaName}`] = metaValue;
      }
    } else if (name === 'Tagging') {
      fields.tagging = taggingXml(String(value));
    } else if (name.startsWith('SSECustomer')) {
      throw new TypeError('uploadUrl() cannot upload with SSE-C: the form would hand the customer key to the client');
    } else {
      throw new TypeError(
        `uploadUrl() cannot set the object parameter '${name}': a POST form upload has no field for it`,
      );
    }
  }
  const conditions =
    maxSize === undefined ? [] : [['content-length-range', 0, maxSize] as ['content-length-range', number, number]];
  return createPresignedPost(client, {
    Bucket: bucket,
    Key: key,
    Fields: fields,
    Conditions: conditions,
    Expires: expire,
  });
}

/** The `Tagging` parameter (`k=v&k2=v2`) as the XML document a POST form takes. */
function taggingXml(tagging: string): string {
  const escape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const tags = [...new URLSearchParams(tagging)].map(
    ([name, value]) => `<Tag><Key>${escape(name)}</Key><Value>${escape(value)}</Value></Tag>`,
  );
  return `<Tagging><TagSet>${tags.join('')}</TagSet></Tagging>`;
}
