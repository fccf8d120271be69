/**
 * django-storages' `S3ManifestStaticStorage` (Django's `ManifestFilesMixin` on
 * `S3StaticStorage`): `collectStatic` stores each file twice, as itself and as
 * `name.<md5[:12]>.ext`, with CSS references rewritten, and writes the `staticfiles.json`
 * manifest; `url(name)` links to the hashed copy, so the URL changes whenever the content does
 * and the files can be cached for ever.
 */
import type { UrlOptions } from '../../core/storage.js';
import { StaticManifest } from '../../staticfiles/static-manifest.js';
import { urldefrag, urlsplit } from '../../staticfiles/python-url.js';
import { S3ManifestStaticStorageOptions } from './s3-manifest-static-storage.options.js';
import { S3StaticStorage } from './s3-static.storage.js';

export class S3ManifestStaticStorage extends S3StaticStorage {
  static override readonly optionsType = S3ManifestStaticStorageOptions;

  /** The manifest: read from the bucket on the first `url()`, never at construction. */
  readonly manifest: StaticManifest;

  constructor(options: S3ManifestStaticStorageOptions = {}) {
    super(options);
    this.manifest = new StaticManifest(this, { name: options.manifestName, strict: options.manifestStrict });
  }

  /** Django's `manifest_name`. */
  get manifestName(): string {
    return this.manifest.name;
  }

  /** Django's `manifest_strict`. */
  get manifestStrict(): boolean {
    return this.manifest.strict;
  }

  /** The hashed name `name` links to (Django's `stored_name`); see `StaticManifest.storedName`. */
  storedName(name: string): Promise<string> {
    return this.manifest.storedName(name);
  }

  /**
   * The URL of the hashed copy of `name`, as Django's `HashedFilesMixin.url()`: a fragment and
   * a query of `name` are kept, a directory (`img/`) is not hashed.
   *
   * Django ends with `unquote(url)`, which turns `%20` in a key back into a space (an invalid
   * URL) and makes a query only by accident; the URL here stays as S3Storage makes it, with a
   * query of `name` appended.
   */
  override async url(name: string, options?: UrlOptions): Promise<string> {
    const [cleanName, fragment] = urldefrag(name);
    const hashed = urlsplit(cleanName).path.endsWith('/') ? cleanName : await this.storedName(cleanName);
    const question = hashed.indexOf('?');
    let url = await super.url(question < 0 ? hashed : hashed.slice(0, question), options);
    const query = question < 0 ? '' : hashed.slice(question + 1);
    if (query) url += (url.includes('?') ? '&' : '?') + query;
    else if (name.includes('?#') && !url.includes('?')) url += '?';
    if (fragment) url += '#' + fragment;
    return url;
  }
}
