/**
 * Django 4.2's `InMemoryStorage`: the Storage API on a Map, for tests and for apps that need no
 * persistence. A drop-in backend for `S3Storage` in a user's own tests: same names, same
 * errors, no network.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileNotFoundError, SuspiciousOperation } from '../../core/errors.js';
import { cleanName, normalizeBaseUrl, safeJoin, urlUnder } from '../../core/names.js';
import { guessType } from '../../core/mimetypes.js';
import { NameTakenError, Storage, type ReadRange, type SaveBody } from '../../core/storage.js';
import { compareUtf8, type StorageEntry, type StorageStat, type StoredForm } from '../../core/storage-entries.js';
import { StorageFile, type FileMode } from '../../core/storage-file.js';
import { assertValidOptions, declaredSettings, optionViolations } from '../../core/validate-options.js';
import { InMemoryStorageOptions } from './in-memory-storage.options.js';

interface Entry {
  content: Buffer;
  /** The content type stored: given to `save()`, else guessed from the name. */
  contentType: string;
  /** Hex MD5 of the content, as S3's ETag of an object stored in one piece. */
  etag: string;
  created: Date;
  modified: Date;
  accessed: Date;
}

const SETTINGS = declaredSettings(InMemoryStorageOptions);

export class InMemoryStorage extends Storage {
  /** Prefix of every key (Django's `location`). */
  readonly location: string;
  /** URL prefix of `url()` (Django's `base_url`); '' gives relative URLs. */
  readonly baseUrl: string;
  readonly fileOverwrite: boolean;
  private readonly files = new Map<string, Entry>();

  constructor(options: InMemoryStorageOptions = {}) {
    super();
    assertValidOptions(optionViolations(new.target.name, InMemoryStorageOptions, options, SETTINGS));
    this.location = options.location ?? '';
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.fileOverwrite = options.fileOverwrite ?? false;
  }

  async exists(name: string): Promise<boolean> {
    return this.files.has(this.key(name));
  }

  async delete(name: string): Promise<void> {
    this.files.delete(this.key(name));
  }

  async listdir(path: string): Promise<[directories: string[], files: string[]]> {
    let prefix = this.key(path);
    if (prefix && !prefix.endsWith('/')) prefix += '/';
    const directories = new Set<string>();
    const files: string[] = [];
    for (const key of [...this.files.keys()].sort()) {
      if (!key.startsWith(prefix) || key === prefix) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) directories.add(rest.slice(0, slash));
      else files.push(rest);
    }
    return [[...directories], files];
  }

  async size(name: string): Promise<number> {
    return this.entry(name).content.length;
  }

  async url(name: string): Promise<string> {
    return urlUnder(this.baseUrl, name);
  }

  async getModifiedTime(name: string): Promise<Date> {
    return this.entry(name).modified;
  }

  override async getCreatedTime(name: string): Promise<Date> {
    return this.entry(name).created;
  }

  override async getAccessedTime(name: string): Promise<Date> {
    return this.entry(name).accessed;
  }

  async createReadStream(name: string, { start = 0, end }: ReadRange = {}): Promise<Readable> {
    const entry = this.entry(name);
    entry.accessed = new Date();
    return Readable.from([entry.content.subarray(start, end === undefined ? undefined : end + 1)]);
  }

  /** @internal Stores `content` under `key` (a create-only write when `exclusive`), with no name checks. */
  write(key: string, content: Buffer, exclusive: boolean, contentType?: string): void {
    const existing = this.files.get(key);
    if (existing && exclusive) throw new NameTakenError(key);
    const now = new Date();
    this.files.set(key, {
      content,
      contentType: contentType ?? guessType(key)[0] ?? 'application/octet-stream',
      etag: createHash('md5').update(content).digest('hex'),
      created: existing?.created ?? now,
      modified: now,
      accessed: now,
    });
  }

  /** ETags are the MD5 of the content, which is stored as given. */
  override storedForm(): StoredForm {
    return { gzip: false, etag: { algorithm: 'md5', partSize: Infinity } };
  }

  protected override async _stat(name: string): Promise<StorageStat> {
    const { content, modified, etag, contentType } = this.entry(name);
    return { name, size: content.length, lastModified: modified, etag, contentType, metadata: {} };
  }

  /** The names under the folder as they are when the scan starts, in UTF-8 byte order; a file deleted meanwhile is not yielded. */
  protected override async *_scan(folder: string, recursive: boolean): AsyncGenerator<StorageEntry> {
    const root = this.key('');
    let prefix = this.key(folder);
    if (prefix && !prefix.endsWith('/')) prefix += '/';
    const keys = [...this.files.keys()]
      .filter((key) => key.startsWith(prefix) && !key.endsWith('/') && (recursive || !key.includes('/', prefix.length)))
      .sort(compareUtf8);
    for (const key of keys) {
      const entry = this.files.get(key);
      if (entry)
        yield {
          name: key.slice(root.length),
          size: entry.content.length,
          lastModified: entry.modified,
          etag: entry.etag,
        };
    }
  }

  protected override async _copy(source: string, target: string): Promise<void> {
    const { content, contentType } = this.entry(source);
    this.write(this.key(target), Buffer.from(content), !this.fileOverwrite, contentType);
  }

  /** @internal The key of a name, `location` prefixed; climbing out of it is refused. */
  key(name: string): string {
    const cleaned = cleanName(name);
    try {
      return safeJoin(this.location, cleaned);
    } catch {
      throw new SuspiciousOperation(`Attempted access to '${cleaned}' denied.`);
    }
  }

  /** @internal The stored entry of `name`; `FileNotFoundError` when there is none. */
  entry(name: string): Entry {
    const key = this.key(name);
    const entry = this.files.get(key);
    if (!entry) throw new FileNotFoundError(`File does not exist: ${key}`);
    return entry;
  }

  protected async _save(name: string, { body, contentType }: SaveBody): Promise<string> {
    const content = Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.concat(await body.toArray());
    this.write(this.key(name), content, !this.fileOverwrite, contentType);
    return cleanName(name);
  }

  protected async _open(name: string, mode: FileMode): Promise<StorageFile> {
    const key = this.key(name);
    if (mode.startsWith('r')) this.entry(name);
    return new InMemoryFile(key.slice(this.location.length).replace(/^\/+/, ''), key, mode, this);
  }
}

class InMemoryFile extends StorageFile {
  private written: Buffer[] = [];

  constructor(
    name: string,
    private readonly key: string,
    mode: FileMode,
    private readonly storage: InMemoryStorage,
  ) {
    super(name, mode);
  }

  async size(): Promise<number> {
    return this.storage.size(this.name);
  }

  protected async openStream(): Promise<Readable> {
    return this.storage.createReadStream(this.name);
  }

  protected async writeBytes(data: Buffer): Promise<void> {
    this.written.push(Buffer.from(data));
  }

  protected async commit(bytesWritten: number): Promise<void> {
    // As S3File: closing an unwritten file leaves an existing one as it was.
    if (bytesWritten === 0 && (await this.storage.exists(this.name))) return;
    this.storage.write(this.key, Buffer.concat(this.written), false);
    this.written = [];
  }

  protected async discard(): Promise<void> {
    this.written = [];
  }
}
