/**
 * Django's `FileSystemStorage`: files in a directory on disk. Writes go to a temporary file
 * beside the target and are renamed into place, so a failed save leaves nothing partial; a
 * create-only save (`fileOverwrite` false) links the file in place, which fails if the name was
 * taken meanwhile, as Django's `O_EXCL` open does.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, link, mkdir, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileNotFoundError, SuspiciousFileOperation } from '../../core/errors.js';
import { cleanName, getRandomString, normalizeBaseUrl, urlUnder } from '../../core/names.js';
import { guessType } from '../../core/mimetypes.js';
import { NameTakenError, Storage, type ReadRange, type SaveBody } from '../../core/storage.js';
import { compareUtf8, type StorageEntry, type StorageStat } from '../../core/storage-entries.js';
import { StorageFile, type FileMode } from '../../core/storage-file.js';
import { assertValidOptions, declaredSettings, optionViolations } from '../../core/validate-options.js';
import { FileSystemStorageOptions } from './file-system-storage.options.js';

const SETTINGS = declaredSettings(FileSystemStorageOptions);

export class FileSystemStorage extends Storage {
  /** Absolute path of the storage's directory. */
  readonly location: string;
  /** URL prefix of `url()` (Django's `base_url`); '' gives relative URLs. */
  readonly baseUrl: string;
  readonly fileOverwrite: boolean;
  /** Mode of the files it stores (Django's `FILE_UPLOAD_PERMISSIONS`); the process's umask decides when unset. */
  readonly filePermissionsMode?: number;
  /** Mode of the directories it makes (Django's `FILE_UPLOAD_DIRECTORY_PERMISSIONS`). */
  readonly directoryPermissionsMode?: number;

  constructor(options: FileSystemStorageOptions) {
    super();
    assertValidOptions(optionViolations(new.target.name, FileSystemStorageOptions, options ?? {}, SETTINGS));
    this.location = resolve(options.location);
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.fileOverwrite = options.fileOverwrite ?? false;
    this.filePermissionsMode = options.filePermissionsMode;
    this.directoryPermissionsMode = options.directoryPermissionsMode;
  }

  /** Django's `path()` through `safe_join`: the absolute path of a name, never outside `location`. */
  override path(name: string): string {
    const path = resolve(this.location, cleanName(name).replace(/^\/+/, ''));
    if (path !== this.location && !path.startsWith(this.location + sep)) {
      throw new SuspiciousFileOperation(
        `The joined path (${path}) is located outside of the base path component (${this.location})`,
      );
    }
    return path;
  }

  async exists(name: string): Promise<boolean> {
    return (await stat(this.path(name)).catch(() => undefined)) !== undefined;
  }

  async delete(name: string): Promise<void> {
    const path = this.path(name);
    const info = await stat(path).catch(() => undefined);
    if (!info) return;
    await (info.isDirectory() ? rmdir(path) : unlink(path)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async listdir(path: string): Promise<[directories: string[], files: string[]]> {
    const entries = await readdir(this.path(path), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const directories: string[] = [];
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) directories.push(entry.name);
      else if (!isTemporary(entry.name)) files.push(entry.name);
    }
    return [directories.sort(), files.sort()];
  }

  async size(name: string): Promise<number> {
    return (await this.fileStat(name)).size;
  }

  async url(name: string): Promise<string> {
    return urlUnder(this.baseUrl, name);
  }

  async getModifiedTime(name: string): Promise<Date> {
    return (await this.fileStat(name)).mtime;
  }

  override async getCreatedTime(name: string): Promise<Date> {
    return (await this.fileStat(name)).birthtime;
  }

  override async getAccessedTime(name: string): Promise<Date> {
    return (await this.fileStat(name)).atime;
  }

  async createReadStream(name: string, range: ReadRange = {}): Promise<Readable> {
    const path = this.path(name);
    await this.fileStat(name);
    return createReadStream(path, range);
  }

  /** @internal A temporary file beside `path`, for a write that is renamed or linked into place when complete. */
  async temporaryPath(path: string): Promise<string> {
    await mkdir(dirname(path), { recursive: true, mode: this.directoryPermissionsMode });
    return join(dirname(path), `.${getRandomString(12)}.part`);
  }

  /** @internal Moves a complete temporary file to `path`: replacing it, or only if the name is free. */
  async place(temporary: string, path: string, exclusive: boolean): Promise<void> {
    try {
      if (this.filePermissionsMode !== undefined) await chmod(temporary, this.filePermissionsMode);
      if (exclusive) {
        await link(temporary, path).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EEXIST' ? new NameTakenError(path, { cause: err }) : err;
        });
        await unlink(temporary);
      } else {
        await rename(temporary, path);
      }
    } catch (err) {
      await unlink(temporary).catch(() => undefined);
      throw err;
    }
  }

  protected async _save(name: string, { body }: SaveBody): Promise<string> {
    const path = this.path(name);
    const temporary = await this.temporaryPath(path);
    try {
      await pipeline(Buffer.isBuffer(body) ? [body] : body, createWriteStream(temporary, { flags: 'wx' }));
    } catch (err) {
      await unlink(temporary).catch(() => undefined);
      throw err;
    }
    await this.place(temporary, path, !this.fileOverwrite);
    return cleanName(name);
  }

  /** One `stat(2)`; the content type is guessed from the name (a file system keeps none). */
  protected override async _stat(name: string): Promise<StorageStat> {
    const info = await this.fileStat(name);
    if (!info.isFile()) throw new FileNotFoundError(`Not a file: '${this.path(name)}'`);
    return { name, size: info.size, lastModified: info.mtime, contentType: guessType(name)[0] };
  }

  /**
   * A walk of the folder, one directory read at a time: each directory's files and
   * sub-directories merged in UTF-8 byte order (a sub-directory ranked by its name and a `/`),
   * so names come in the order of the whole names, as S3 lists them.
   */
  protected override async *_scan(folder: string, recursive: boolean): AsyncGenerator<StorageEntry> {
    const directory = this.path(folder);
    const entries = await readdir(directory, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
      throw err;
    });
    const children = entries
      .filter((entry) => (entry.isDirectory() ? recursive : !isTemporary(entry.name)))
      .map((entry) => ({ rank: entry.isDirectory() ? `${entry.name}/` : entry.name, directory: entry.isDirectory() }))
      .sort((a, b) => compareUtf8(a.rank, b.rank));
    for (const { rank, directory: isDirectory } of children) {
      const name = folder ? `${folder}/${rank}` : rank;
      if (isDirectory) {
        yield* this._scan(name.slice(0, -1), true);
        continue;
      }
      // A file removed or replaced by a directory since the read is not listed.
      const info = await stat(join(directory, rank)).catch(() => undefined);
      if (info?.isFile()) yield { name, size: info.size, lastModified: info.mtime };
    }
  }

  /** A copy to a temporary file beside the target, then placed as `save()` places one. */
  protected override async _copy(source: string, target: string): Promise<void> {
    const from = this.path(source);
    const to = this.path(target);
    if (!(await this.fileStat(source)).isFile()) throw new FileNotFoundError(`Not a file: '${from}'`);
    const temporary = await this.temporaryPath(to);
    try {
      await copyFile(from, temporary);
    } catch (err) {
      await unlink(temporary).catch(() => undefined);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new FileNotFoundError(`[Errno 2] No such file or directory: '${from}'`, { cause: err });
      }
      throw err;
    }
    await this.place(temporary, to, !this.fileOverwrite);
  }

  protected async _open(name: string, mode: FileMode): Promise<StorageFile> {
    const path = this.path(name);
    if (mode.startsWith('r')) await this.fileStat(name);
    // A name that is the location itself ('', '/', '.') names no file: writing it would put the
    // temporary file beside the location, outside it, and then the file in its place.
    else if (path === this.location) throw new SuspiciousFileOperation(`Could not derive file name from '${name}'`);
    return new FileSystemFile(cleanName(name), path, mode, this);
  }

  private async fileStat(name: string) {
    const path = this.path(name);
    return stat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT')
        throw new FileNotFoundError(`[Errno 2] No such file or directory: '${path}'`, { cause: err });
      throw err;
    });
  }
}

function isTemporary(fileName: string): boolean {
  return /^\.[A-Za-z0-9]{12}\.part$/.test(fileName);
}

class FileSystemFile extends StorageFile {
  private temporary?: string;
  private out?: ReturnType<typeof createWriteStream>;

  constructor(
    name: string,
    private readonly filePath: string,
    mode: FileMode,
    private readonly storage: FileSystemStorage,
  ) {
    super(name, mode);
  }

  async size(): Promise<number> {
    return this.storage.size(this.name);
  }

  protected async openStream(): Promise<Readable> {
    return createReadStream(this.filePath);
  }

  protected async writeBytes(data: Buffer): Promise<void> {
    if (!this.out) {
      this.temporary = await this.storage.temporaryPath(this.filePath);
      this.out = createWriteStream(this.temporary, { flags: 'wx' });
    }
    if (!data.length) return;
    const out = this.out;
    await new Promise<void>((resolve, reject) => out.write(data, (err) => (err ? reject(err) : resolve())));
  }

  protected async commit(bytesWritten: number): Promise<void> {
    if (bytesWritten === 0 && (await this.storage.exists(this.name))) return this.discard();
    if (!this.out) await this.writeBytes(Buffer.alloc(0));
    await this.finishStream();
    await this.storage.place(this.temporary!, this.filePath, false);
  }

  protected async discard(): Promise<void> {
    await this.finishStream().catch(() => undefined);
    if (this.temporary) await unlink(this.temporary).catch(() => undefined);
  }

  private async finishStream(): Promise<void> {
    const out = this.out;
    this.out = undefined;
    if (out)
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
