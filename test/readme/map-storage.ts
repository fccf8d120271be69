// The README's "Your own backend": a complete backend written outside the package.
import { Readable } from 'node:stream';
import {
  cleanName,
  FileNotFoundError,
  NameTakenError,
  Storage,
  StorageFile,
  type FileMode,
  type ReadRange,
  type SaveBody,
} from 'nestjs-storages';

/** Files kept in a Map: the smallest complete backend. */
export class MapStorage extends Storage {
  readonly fileOverwrite: boolean;
  readonly files = new Map<string, { content: Buffer; modified: Date }>();

  constructor(options: { fileOverwrite?: boolean } = {}) {
    super();
    this.fileOverwrite = options.fileOverwrite ?? false;
  }

  async exists(name: string): Promise<boolean> {
    return this.files.has(cleanName(name));
  }

  async delete(name: string): Promise<void> {
    this.files.delete(cleanName(name));
  }

  async listdir(path: string): Promise<[directories: string[], files: string[]]> {
    const prefix = cleanName(path) ? `${cleanName(path).replace(/\/$/, '')}/` : '';
    const directories = new Set<string>();
    const files: string[] = [];
    for (const key of [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort()) {
      const [first, ...rest] = key.slice(prefix.length).split('/');
      if (rest.length) directories.add(first);
      else files.push(first);
    }
    return [[...directories], files];
  }

  async size(name: string): Promise<number> {
    return this.entry(name).content.length;
  }

  async url(name: string): Promise<string> {
    return `/files/${encodeURI(cleanName(name))}`;
  }

  async getModifiedTime(name: string): Promise<Date> {
    return this.entry(name).modified;
  }

  async createReadStream(name: string, { start = 0, end }: ReadRange = {}): Promise<Readable> {
    return Readable.from([this.entry(name).content.subarray(start, end === undefined ? undefined : end + 1)]);
  }

  /** `save()` has checked the name; a create-only storage refuses a taken one, and `save()` tries another. */
  protected async _save(name: string, { body }: SaveBody): Promise<string> {
    const content = Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.concat(await body.toArray());
    if (!this.fileOverwrite && this.files.has(name)) throw new NameTakenError(name);
    this.files.set(name, { content, modified: new Date() });
    return name;
  }

  protected async _open(name: string, mode: FileMode): Promise<StorageFile> {
    if (mode.startsWith('r')) this.entry(name);
    return new MapFile(cleanName(name), mode, this);
  }

  entry(name: string) {
    const entry = this.files.get(cleanName(name));
    if (!entry) throw new FileNotFoundError(`File does not exist: ${name}`);
    return entry;
  }
}

/** A file of a MapStorage: read from the Map, written to it when closed. */
class MapFile extends StorageFile {
  private written: Buffer[] = [];

  constructor(
    name: string,
    mode: FileMode,
    private readonly storage: MapStorage,
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
    // Closing a file nothing was written to leaves an existing file as it was.
    if (bytesWritten === 0 && this.storage.files.has(this.name)) return;
    this.storage.files.set(this.name, { content: Buffer.concat(this.written), modified: new Date() });
  }

  protected async discard(): Promise<void> {
    this.written = [];
  }
}
