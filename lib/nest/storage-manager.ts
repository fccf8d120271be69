/**
 * The storages of the application by name (Django's `django.core.files.storage.storages`), as
 * their injection tokens resolve them: a storage replaced with
 * `overrideProvider(getStorageToken(name))` is the one `get(name)` returns.
 */
import { ImproperlyConfigured } from '../core/errors.js';
import type { Storage } from '../core/storage.js';
import { DEFAULT_STORAGE_NAME } from './storage.tokens.js';

/** The name each storage of a `StorageManager` has, for what reports it (an upload's `req.file.storage`). */
const storageNames = new WeakMap<Storage, string>();

/** The name `storage` has in the application's `StorageModule`, if it is one of its storages. */
export function storageNameOf(storage: Storage): string | undefined {
  return storageNames.get(storage);
}

/**
 * Looks the module's storages up by name at run time; inject it where the name is only known
 * then (`@InjectStorage(name)` is the way when it is known in advance).
 */
export class StorageManager {
  private readonly storages: ReadonlyMap<string, Storage>;

  /** @internal `StorageModule` makes it, with each name's storage as its token resolves it. */
  constructor(storages: ReadonlyMap<string, Storage>) {
    this.storages = storages;
    for (const [name, storage] of storages) storageNames.set(storage, name);
  }

  /** The storage of this name; an unknown name is an error that lists the known ones. */
  get(name: string = DEFAULT_STORAGE_NAME): Storage {
    const storage = this.storages.get(name);
    if (!storage) {
      throw new ImproperlyConfigured(
        `Could not find config for '${name}' in StorageModule storages: ${this.names().join(', ')}`,
      );
    }
    return storage;
  }

  /** Whether the module has a storage of this name. */
  has(name: string): boolean {
    return this.storages.has(name);
  }

  /** The names of the module's storages, in the order they were declared. */
  names(): string[] {
    return [...this.storages.keys()];
  }
}
