/**
 * Django's `Storage`: the backend-neutral half of every storage. `save()` validates the name,
 * finds an available one and hands the content to the backend's `_save()`; the name rules
 * (`getAvailableName`, `getValidName`, `generateFilename`) live here once.
 */
import { Readable } from 'node:stream';
import { basename } from 'node:path';
import { ContentFile } from './content-file.js';
import { NotImplementedError, SuspiciousFileOperation, ValueError } from './errors.js';
import {
  alternativeNames,
  checkDirName,
  cleanName,
  getAvailableOverwriteName,
  getValidFilename,
  pyLength,
  validateFileName,
} from './names.js';
import * as posixpath from './posixpath.js';
import type { FileMode, StorageFile } from './storage-file.js';
import {
  checkedFileName,
  checkedFolder,
  compareUtf8,
  deleteInBatches,
  type DeleteFailure,
  type DeleteManyInput,
  type ScanOptions,
  type StorageEntry,
  type StorageStat,
  type StoredForm,
} from './storage-entries.js';

/** What `save()` accepts. A string is stored as UTF-8; a `Readable` is streamed, never buffered whole. */
export type StorageContent = Buffer | Uint8Array | string | Readable | ContentFile;

export interface SaveOptions {
  /** Longest name allowed, in characters (Django's `max_length`); the name is shortened to fit. */
  maxLength?: number;
  /** Content type to store; otherwise the content's own, else guessed from the name. */
  contentType?: string;
}

export interface UrlOptions {
  /** Extra query parameters: GetObject parameters such as `ResponseContentDisposition` on S3. */
  parameters?: Record<string, string | number>;
  /** Seconds the URL stays valid (signed URLs only). */
  expire?: number;
  /** HTTP method the URL is signed for (`GET` by default; `PUT` for a direct upload). */
  httpMethod?: string;
}

/** A byte range; `end` is inclusive, as in `fs.createReadStream` and HTTP ranges. */
export interface ReadRange {
  start?: number;
  end?: number;
}

/** What a backend's `_save()` stored: the name, and the entity tag its write returned, if any. */
export interface SavedFile {
  /** The name stored, relative to the storage's root. */
  name: string;
  /** The entity tag the write returned, without quotes (S3's ETag); absent when it returned none. */
  etag?: string;
}

/** Content as a backend receives it in `_save()`. */
export interface SaveBody {
  /** The bytes: a Buffer for content held in memory, else a stream read once, to its end. */
  body: Buffer | Readable;
  /** The content type `save()` was given (`SaveOptions.contentType`, `ContentFile.contentType`), if any. */
  contentType?: string;
}

/**
 * Thrown by a backend's `_save()` when a create-only write found the name taken by a writer
 * that came between `getAvailableName()` and the write; `save()` then tries another name.
 */
export class NameTakenError extends Error {
  /** `'NameTakenError'`, the class name. */
  override name = 'NameTakenError';
}

export abstract class Storage {
  /**
   * Whether saving under an existing name replaces the file (django-storages' `file_overwrite`).
   * When false, `getAvailableName` adds `_XXXXXXX` before the extensions.
   */
  abstract readonly fileOverwrite: boolean;

  /**
   * How many bytes of a stream `save()` may hold to retry it under another name when a
   * create-only write loses a race. 0 when the backend checks before it reads the stream.
   */
  protected readonly replayableBytes: number = 0;

  /**
   * Saves `content` under `name` (or the content's own name when `name` is null) and returns the
   * name actually used, relative to the storage's root. Path traversal is refused.
   */
  async save(name: string | null | undefined, content: StorageContent, options: SaveOptions = {}): Promise<string> {
    return (await this.saveTagged(name, content, options)).name;
  }

  /**
   * `save()`, also answering the entity tag the backend's write returned (S3: the ETag of the
   * PutObject or the completed multipart upload), so that a caller wanting it needs no `stat()`.
   * @internal
   */
  async saveTagged(
    name: string | null | undefined,
    content: StorageContent,
    options: SaveOptions = {},
  ): Promise<SavedFile> {
    name ??= contentName(content);
    if (name === undefined) throw new SuspiciousFileOperation("Could not derive file name from ''");
    validateFileName(name, true);
    const { body, contentType } = toSaveBody(content);
    let candidate = await this.getAvailableName(name, options.maxLength);
    validateFileName(candidate, true);

    let replay: Buffer | Readable = body;
    if (!this.fileOverwrite && body instanceof Readable && this.replayableBytes > 0) {
      replay = await peekStream(body, this.replayableBytes);
    }
    let alternatives: Iterator<string> | undefined;
    for (;;) {
      try {
        const written = await this._save(candidate, { body: replay, contentType: options.contentType ?? contentType });
        const saved = typeof written === 'string' ? { name: written } : written;
        validateFileName(saved.name, true);
        return saved;
      } catch (err) {
        if (!(err instanceof NameTakenError)) throw err;
        if (!Buffer.isBuffer(replay)) {
          throw new SuspiciousFileOperation(
            `'${candidate}' was created by another writer while this stream was being saved, and a stream ` +
              'this large cannot be replayed under another name; nothing was stored.',
            { cause: err },
          );
        }
        alternatives ??= alternativeNames(cleanName(name), options.maxLength);
        candidate = alternatives.next().value as string;
      }
    }
  }

  /** Opens a stored file for reading (`rb`, the default, or `r` for text) or writing (`wb`, `w`). */
  open(name: string, mode: 'r' | 'w'): Promise<StorageFile<string>>;
  open(name: string, mode?: 'rb' | 'wb'): Promise<StorageFile<Buffer>>;
  open(name: string, mode?: FileMode): Promise<StorageFile>;
  open(name: string, mode: FileMode = 'rb'): Promise<StorageFile> {
    return this._open(name, mode);
  }

  /** Deletes the file; a missing file is not an error. */
  abstract delete(name: string): Promise<void>;

  /** Whether a file of this exact name exists ("directories" do not). */
  abstract exists(name: string): Promise<boolean>;

  /** `[directories, files]` directly under `path`, names relative to it. */
  abstract listdir(path: string): Promise<[directories: string[], files: string[]]>;

  /** Size in bytes; `FileNotFoundError` for a missing file. */
  abstract size(name: string): Promise<number>;

  /** A URL where the file can be fetched. */
  abstract url(name: string, options?: UrlOptions): Promise<string>;

  /** Last modification time; `FileNotFoundError` for a missing file. */
  abstract getModifiedTime(name: string): Promise<Date>;

  /** The file's bytes as a stream, from `start` to `end` inclusive when given. */
  abstract createReadStream(name: string, range?: ReadRange): Promise<Readable>;

  /** When the file was created (Django's `get_created_time`); backends that cannot tell throw `NotImplementedError`. */
  getCreatedTime(_name: string): Promise<Date> {
    return Promise.reject(new NotImplementedError('subclasses of Storage must provide a get_created_time() method'));
  }

  /** When the file was last read (Django's `get_accessed_time`); backends that cannot tell throw `NotImplementedError`. */
  getAccessedTime(_name: string): Promise<Date> {
    return Promise.reject(new NotImplementedError('subclasses of Storage must provide a get_accessed_time() method'));
  }

  /** A local filesystem path for the file, for backends that have one. */
  path(_name: string): string {
    throw new NotImplementedError("This backend doesn't support absolute paths.");
  }

  /**
   * A name that is free to save under: with `fileOverwrite` the name itself (only shortened to
   * `maxLength`), otherwise the name or `root_XXXXXXX.ext` when it exists, as Django does.
   */
  async getAvailableName(name: string, maxLength?: number): Promise<string> {
    name = cleanName(name);
    if (this.fileOverwrite) return getAvailableOverwriteName(name, maxLength);

    const [dirName, fileName] = posixpath.split(name);
    checkDirName(dirName);
    validateFileName(fileName);
    const available = async (candidate: string) =>
      !(maxLength && pyLength(candidate) > maxLength) && !(await this.exists(candidate));
    if (await available(name)) return name;
    for (const candidate of alternativeNames(name, maxLength)) {
      if (await available(candidate)) return candidate;
    }
    throw new Error('unreachable');
  }

  /** Django's `get_valid_name`: a name safe on any filesystem (`"my file (1).jpg"` → `"my_file_1.jpg"`). */
  getValidName(name: string): string {
    return getValidFilename(name);
  }

  /**
   * Django's `generate_filename`: the file part made valid (`getValidName`), the directory part
   * kept as given but refused when it climbs with `..`.
   */
  generateFilename(filename: string): string {
    const [dirName, fileName] = posixpath.split(String(filename).replaceAll('\\', '/'));
    checkDirName(dirName);
    return posixpath.normpath(posixpath.join(dirName, this.getValidName(fileName)));
  }

  // Beyond Django: metadata, listing, copies, bulk deletes. The names are checked here; each
  // backend's hook (`_stat`, `_scan`, `_copy`, `_deleteMany`) does what its medium needs, and
  // the defaults below work on any backend through the Django methods, one call per file.

  /** Size, modification time, and (where the backend keeps them) ETag, content type and metadata, in one call. */
  async stat(name: string): Promise<StorageStat> {
    return this._stat(checkedFileName(name));
  }

  /**
   * The files under the folder `path` (default: all), in UTF-8 byte order of their names, with
   * what a listing says (size, modification time, ETag): no request per file. Names are whole
   * storage names, as `save()` returns them. Pages are fetched as the caller iterates, so
   * stopping early fetches nothing more. Folder markers (names ending in `/`) are skipped.
   */
  async *scan(path = '', { recursive = true }: ScanOptions = {}): AsyncIterable<StorageEntry> {
    yield* this._scan(checkedFolder(path), recursive);
  }

  /**
   * Copies `source` to `target` and returns the name used: `target`, or with `fileOverwrite`
   * false a free name found as `save()` finds one. A missing source is `FileNotFoundError`; a
   * copy onto its own name is `ValueError`, and nothing is written.
   */
  async copy(source: string, target: string): Promise<string> {
    const from = checkedFileName(source);
    validateFileName(target, true);
    if (cleanName(target) === from) throw new ValueError(`Cannot copy '${source}' onto itself`);
    let candidate = await this.getAvailableName(target);
    validateFileName(candidate, true);
    let alternatives: Iterator<string> | undefined;
    for (;;) {
      try {
        await this._copy(from, candidate);
        return candidate;
      } catch (err) {
        if (!(err instanceof NameTakenError)) throw err;
        alternatives ??= alternativeNames(cleanName(target));
        candidate = alternatives.next().value as string;
      }
    }
  }

  /** `copy()` then `delete()` of the source; returns the name the file now has. */
  async move(source: string, target: string): Promise<string> {
    const name = await this.copy(source, target);
    await this.delete(source);
    return name;
  }

  /**
   * Deletes many files (names, or the entries of a `scan()`: `deleteMany(storage.scan('tmp/'))`
   * empties a folder) in batches; a missing file counts as deleted. Resolves to the number of
   * names given. Every name is tried; failures (an invalid name fails only itself) reject
   * afterwards as one `AggregateError` of errors that each name their file.
   */
  deleteMany(names: DeleteManyInput): Promise<number> {
    return deleteInBatches(names, this.deleteBatchSize, (batch) => this._deleteMany(batch));
  }

  /**
   * How `save()` stores content under `name`: gzipped or not, and whether a stored file's ETag
   * is a hash of its bytes (see `StoredForm`). Tools compare content with a `scan()` through it.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the name is for backends that vary by name
  storedForm(name: string): StoredForm {
    return { gzip: false };
  }

  /** Names a `deleteMany()` batch holds (S3: DeleteObjects takes 1,000 keys). */
  protected readonly deleteBatchSize: number = 1000;

  /** `stat` of a checked name; the default asks `size()` and `getModifiedTime()`. */
  protected async _stat(name: string): Promise<StorageStat> {
    return { name, size: await this.size(name), lastModified: await this.getModifiedTime(name) };
  }

  /**
   * The files under the checked folder `folder` ('' for all). The default walks `listdir()`,
   * a `stat()` per file, in UTF-8 byte order: a folder's files and sub-folders merged, each
   * sub-folder ranked by its name and a `/`, so the order is that of the whole names.
   */
  protected async *_scan(folder: string, recursive: boolean): AsyncGenerator<StorageEntry> {
    const [directories, files] = await this.listdir(folder);
    const children = [
      ...files.map((name) => ({ rank: name, directory: false })),
      ...(recursive ? directories.map((name) => ({ rank: `${name}/`, directory: true })) : []),
    ].sort((a, b) => compareUtf8(a.rank, b.rank));
    for (const { rank, directory } of children) {
      const name = folder ? `${folder}/${rank}` : rank;
      if (directory) yield* this._scan(name.slice(0, -1), true);
      else yield await this.stat(name);
    }
  }

  /**
   * Copies checked `source` to the checked, available `target`; the default streams it through
   * `save()`'s backend write (a create-only write when `fileOverwrite` is false).
   */
  protected async _copy(source: string, target: string): Promise<void> {
    const { contentType } = await this.stat(source);
    await this._save(target, { body: await this.createReadStream(source), contentType });
  }

  /** Deletes a batch of checked names; answers the names that failed. The default deletes one by one. */
  protected async _deleteMany(names: string[]): Promise<DeleteFailure[]> {
    const failures: DeleteFailure[] = [];
    for (const name of names) await this.delete(name).catch((error: unknown) => failures.push({ name, error }));
    return failures;
  }

  /** Releases what the storage holds (clients, sockets). The module calls it when the app closes. */
  async close(): Promise<void> {}

  /** Stores `content` under the checked `name`; answers the name stored (and its entity tag, if the write returned one). */
  protected abstract _save(name: string, content: SaveBody): Promise<string | SavedFile>;

  protected abstract _open(name: string, mode: FileMode): Promise<StorageFile>;
}

/** The name a content carries: a `ContentFile`'s name, or the file name of an `fs.ReadStream`. */
function contentName(content: StorageContent): string | undefined {
  if (content instanceof ContentFile) return content.name;
  const path = (content as { path?: unknown }).path;
  if (content instanceof Readable && (typeof path === 'string' || Buffer.isBuffer(path))) return basename(String(path));
  return undefined;
}

function toSaveBody(content: StorageContent): SaveBody {
  if (content instanceof ContentFile) return { body: content.content, contentType: content.contentType };
  if (typeof content === 'string') return { body: Buffer.from(content, 'utf8') };
  if (content instanceof Readable) return { body: content };
  if (content instanceof Uint8Array)
    return { body: Buffer.from(content.buffer, content.byteOffset, content.byteLength) };
  throw new TypeError('save() takes a Buffer, Uint8Array, string, Readable or ContentFile');
}

/**
 * Reads up to `limit` bytes of `stream`: the whole content as a Buffer when it ends within the
 * limit (so it can be replayed), else a stream of the same bytes.
 */
async function peekStream(stream: Readable, limit: number): Promise<Buffer | Readable> {
  const head: Buffer[] = [];
  let length = 0;
  const iterator = stream[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next();
    if (next.done) return Buffer.concat(head, length);
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    head.push(chunk);
    length += chunk.length;
    if (length > limit) break;
  }
  return Readable.from(
    (async function* () {
      yield* head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value as Buffer;
      }
    })(),
    { objectMode: false },
  );
}

/** The types of stat, scan and deleteMany, re-exported so a backend imports its whole contract from here. */
export type { DeleteFailure, DeleteManyInput, ScanOptions, StorageEntry, StorageStat, StoredForm };
