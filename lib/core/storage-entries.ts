/**
 * The shapes and backend-neutral rules of `stat`, `scan`, `copy`, `move` and `deleteMany`: what
 * a file's metadata and a listing entry hold, the order listings come in (UTF-8 bytes, as S3
 * lists), how names are checked before any backend sees them, and how a bulk delete batches
 * its names and reports failures.
 */
import { StorageError, SuspiciousFileOperation } from './errors.js';
import { cleanName } from './names.js';
import * as posixpath from './posixpath.js';

/** What `stat(name)` tells about one stored file. */
export interface StorageStat {
  /** The name, relative to the storage's `location`, as `save()` returns it. */
  name: string;
  /** Bytes stored. */
  size: number;
  lastModified: Date;
  /** The entity tag, without its quotes, when the backend has one (S3, in-memory). */
  etag?: string;
  /** The stored content type (S3, in-memory); on a file system, the type guessed from the name. */
  contentType?: string;
  /** User metadata (S3's `x-amz-meta-*`), when the backend keeps any. */
  metadata?: Record<string, string>;
}

/** One file of a `scan()`: what the listing itself says, no request per file. */
export interface StorageEntry {
  /** The whole storage name (relative to `location`, as `save()` returns it), not relative to the scanned path. */
  name: string;
  size: number;
  lastModified: Date;
  /** The entity tag, without its quotes, when the backend has one. */
  etag?: string;
}

export interface ScanOptions {
  /** Whether files in sub-folders are yielded too. Default true; false yields only the files directly in the path. */
  recursive?: boolean;
}

/** What `deleteMany()` takes: names, or the entries of a `scan()`. */
export type DeleteManyInput = Iterable<string | StorageEntry> | AsyncIterable<string | StorageEntry>;

/**
 * How `save()` stores content under a name, so a tool can tell whether a stored file holds some
 * content from its listing entry alone (size and ETag), without reading it back: `collectStatic`
 * uses it to skip unchanged files. A backend whose `save()` transforms content or whose ETags
 * hash the stored bytes says so here; the default is "stored as given, no content hash".
 */
export interface StoredForm {
  /** `save()` gzips the content (level 9, no timestamp, so the bytes are predictable) before storing it. */
  gzip: boolean;
  /**
   * What a stored file's `etag` is, when it is a hash of the stored bytes: their hex MD5 when
   * stored in one piece (at most `partSize` bytes), else S3's multipart form, the MD5 of the
   * concatenated MD5s of each `partSize` part, `-`, the number of parts. Absent when ETags say
   * nothing about content (or there are none).
   */
  etag?: { algorithm: 'md5'; partSize: number };
}

/** One name's failure in a `deleteMany()` batch. */
export interface DeleteFailure {
  name: string;
  error: unknown;
}

/**
 * Orders names by the bytes of their UTF-8 form, as S3 lists keys: the order of code points,
 * which differs from JavaScript's UTF-16 order for characters above U+FFFF against U+E000-U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

/** Surrogates (U+D800-U+DFFF, the halves of code points above U+FFFF) rank above U+E000-U+FFFF. */
function codeUnitRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/**
 * The cleaned name of one file for `stat`, `copy`, `move` and `deleteMany`: control characters
 * refused (`cleanName`), climbing with `..` refused, and a name that names no file (`''`, `dir/`)
 * refused. The backend then places it under its `location`, refusing any escape, as for every
 * other method.
 */
export function checkedFileName(name: string): string {
  const cleaned = cleanName(name);
  if (posixpath.parts(cleaned).includes('..')) {
    throw new SuspiciousFileOperation(`Detected path traversal attempt in '${name}'`);
  }
  if (cleaned === '' || cleaned.endsWith('/')) {
    throw new SuspiciousFileOperation(`Could not derive file name from '${name}'`);
  }
  return cleaned;
}

/**
 * The folder `scan(path)` lists, cleaned, without a trailing slash ('' for the whole storage).
 * The path is a folder: `docs` lists `docs/...`, never `docs2.txt`. An absolute path is refused
 * as `save()` refuses one (the whole storage is `''`).
 */
export function checkedFolder(path: string): string {
  const cleaned = cleanName(path);
  if (posixpath.isAbsolute(cleaned) || posixpath.parts(cleaned).includes('..')) {
    throw new SuspiciousFileOperation(`Detected path traversal attempt in '${path}'`);
  }
  return cleaned.replace(/\/+$/, '');
}

/**
 * Runs `deleteBatch` over `names` in batches of `batchSize`, pulling the next batch only once
 * the one before is settled (so a `scan` being deleted is listed a page at a time). Every name
 * is tried; a name that fails its check fails alone. Resolves to the number of names given;
 * rejects, after the last batch, with one `AggregateError` of an error per failed name.
 */
export async function deleteInBatches(
  names: DeleteManyInput,
  batchSize: number,
  deleteBatch: (names: string[]) => Promise<DeleteFailure[]>,
): Promise<number> {
  const errors: unknown[] = [];
  let given = 0;
  let batch: string[] = [];
  const flush = async () => {
    const names = batch;
    batch = [];
    for (const failure of await deleteBatch(names).catch((err: unknown) =>
      names.map((name) => ({ name, error: err })),
    )) {
      errors.push(namingError(failure));
    }
  };
  for await (const item of names as AsyncIterable<string | StorageEntry>) {
    given++;
    const name = typeof item === 'string' ? item : item?.name;
    try {
      if (typeof name !== 'string')
        throw new TypeError(`deleteMany() takes names or scan() entries; got ${String(item)}`);
      batch.push(checkedFileName(name));
    } catch (err) {
      errors.push(err);
    }
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length) await flush();
  if (errors.length) {
    throw new AggregateError(errors, `deleteMany(): ${errors.length} of ${given} files could not be deleted`);
  }
  return given;
}

/** A failure as an error whose message names the file (a check's error already does). */
function namingError({ name, error }: DeleteFailure): unknown {
  if (error instanceof Error && error.message.includes(name)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageError(`Could not delete '${name}': ${reason}`, { cause: error });
}
