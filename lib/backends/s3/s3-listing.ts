/**
 * Listings of a bucket through the SDK's paginator: one ListObjectsV2 per 1,000 keys, each page
 * requested only when the one before is used up, so a caller that stops early sends no further
 * request and memory holds one page, never the whole listing. `scan()` and `listdir()` both
 * read through it.
 *
 * Names come in the server's order. S3 (and Ceph, MinIO, R2) list keys in UTF-8 byte order;
 * under one prefix that is the order of the storage names too. It is not re-sorted here: a page
 * is a slice of the server's order, and sorting slices of another order does not give byte order.
 */
import { paginateListObjectsV2, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { relpath } from '../../core/posixpath.js';
import type { StorageEntry } from '../../core/storage-entries.js';
import { s3Error } from './s3-errors.js';

/** The pages of keys under `prefix`; with `delimiter` '/', only those directly in it (sub-folders as common prefixes). */
export async function* listPages(
  client: S3Client,
  bucket: string,
  prefix: string,
  delimiter?: '/',
): AsyncGenerator<ListObjectsV2CommandOutput> {
  const pages = paginateListObjectsV2(
    { client, pageSize: 1000 },
    { Bucket: bucket, Prefix: prefix, Delimiter: delimiter },
  );
  try {
    for await (const page of pages) yield page;
  } catch (err) {
    throw s3Error('ListObjectsV2', prefix, err);
  }
}

/**
 * The objects under the key prefix `prefix` as scan entries, named relative to `root` (the
 * location's key prefix). Keys ending in `/` are folder markers, not files, and are skipped.
 */
export async function* scanObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  root: string,
  recursive: boolean,
): AsyncGenerator<StorageEntry> {
  for await (const page of listPages(client, bucket, prefix, recursive ? undefined : '/')) {
    for (const object of page.Contents ?? []) {
      const key = object.Key!;
      if (key.endsWith('/')) continue;
      yield {
        name: key.slice(root.length),
        size: object.Size ?? 0,
        lastModified: object.LastModified!,
        etag: unquoteEtag(object.ETag),
      };
    }
  }
}

/** `[directories, files]` directly under the key prefix `prefix` (ending in '/', or '' for the bucket). */
export async function listDirectory(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<[directories: string[], files: string[]]> {
  const directories: string[] = [];
  const files: string[] = [];
  for await (const page of listPages(client, bucket, prefix, '/')) {
    for (const common of page.CommonPrefixes ?? []) directories.push(relpath(common.Prefix!, prefix));
    for (const object of page.Contents ?? []) {
      // The "directory" placeholder object itself is not a file of the directory.
      if (object.Key !== prefix) files.push(relpath(object.Key!, prefix));
    }
  }
  return [directories, files];
}

/**
 * An entity tag without its quotes (S3 sends `"<md5>"`); undefined when there is none, or an
 * empty one (as the SDK reads Ceph RGW 16's CompleteMultipartUpload answer).
 */
export function unquoteEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^(W\/)?"(.*)"$/, '$2') || undefined;
}
