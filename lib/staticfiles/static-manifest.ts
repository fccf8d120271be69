/**
 * The manifest half of Django's `ManifestFilesMixin` for any storage: the `staticfiles.json`
 * it keeps, and `storedName(name)`, the hashed name a URL links to.
 *
 * Django reads the manifest in the storage's constructor, so every process that merely builds
 * the storage makes a network call (and fails to start when S3 is unreachable). Here it is read
 * on the first `storedName()` and kept; `collectStatic` hands the new one over when it writes it.
 */
import { FileNotFoundError, ValueError } from '../core/errors.js';
import type { Storage } from '../core/storage.js';
import { cleanHashName, fileHash, hashedName } from './hashed-name.js';
import { parseManifest } from './manifest-format.js';
import { urlsplit, urlunsplit, unquote, pyStrip } from './python-url.js';

export interface StaticManifestOptions {
  /** Name of the manifest file in the storage (Django's `manifest_name`). Default 'staticfiles.json'. */
  name?: string;
  /** A name missing from the manifest is an error (true) or hashed from the stored file (false). Default true. */
  strict?: boolean;
}

export class StaticManifest {
  /** Django's `manifest_name`. */
  readonly name: string;
  /** Django's `manifest_strict`. */
  readonly strict: boolean;
  private loading?: Promise<Map<string, string>>;
  private hashOf = '';

  constructor(
    private readonly storage: Storage,
    { name = 'staticfiles.json', strict = true }: StaticManifestOptions = {},
  ) {
    this.name = name;
    this.strict = strict;
  }

  /** Collected name → hashed name, read from the storage on first use. */
  paths(): Promise<Map<string, string>> {
    this.loading ??= this.read().catch((err: unknown) => {
      // A failed read (network, permissions) is tried again next time, not remembered.
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  /** The manifest's `hash` (Django's `manifest_hash`); '' before it is loaded or when there is none. */
  get hash(): string {
    return this.hashOf;
  }

  /** Reads the manifest again on next use (after another process ran collectstatic). */
  reload(): void {
    this.loading = undefined;
  }

  /** Takes the manifest just written, so this process links to the new names without reading it back. */
  set(paths: Map<string, string>, hash: string): void {
    this.loading = Promise.resolve(new Map(paths));
    this.hashOf = hash;
  }

  /**
   * Django's `ManifestFilesMixin.stored_name(name)`: the hashed name of `name` (its query kept).
   * A name missing from the manifest is `ValueError("Missing staticfiles manifest entry for
   * '<name>'")` when strict, else hashed from the stored file's content (and remembered, where
   * Django reads the file again on every call).
   */
  async storedName(name: string): Promise<string> {
    const parsed = urlsplit(unquote(name));
    const cleanName = pyStrip(parsed.path);
    const paths = await this.paths();
    let cached = paths.get(cleanName);
    if (cached === undefined) {
      if (this.strict) throw new ValueError(`Missing staticfiles manifest entry for '${cleanName}'`);
      cached = hashedName(cleanName, await this.hashStored(cleanHashName(name)));
      paths.set(cleanName, cached);
    }
    parsed.path = cached;
    if (name.includes('?#') && !parsed.query) parsed.path += '?';
    return urlunsplit(parsed);
  }

  private async read(): Promise<Map<string, string>> {
    let content: string;
    try {
      content = (await readAll(this.storage, this.name)).toString('utf8');
    } catch (err) {
      if (err instanceof FileNotFoundError) return new Map();
      throw err;
    }
    const manifest = parseManifest(content, this.name);
    this.hashOf = manifest.hash;
    return new Map(Object.entries(manifest.paths));
  }

  private async hashStored(path: string): Promise<string> {
    try {
      return fileHash(await readAll(this.storage, path));
    } catch (err) {
      if (!(err instanceof FileNotFoundError)) throw err;
      throw new ValueError(`The file '${path}' could not be found with ${this.storage.constructor.name}.`, {
        cause: err,
      });
    }
  }
}

async function readAll(storage: Storage, name: string): Promise<Buffer> {
  return Buffer.concat(await (await storage.createReadStream(name)).toArray());
}
