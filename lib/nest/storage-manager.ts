/**
 * The storages of the application by name (Django's `django.core.files.storage.storages`).
 * Builds every storage when the module starts, reporting every invalid setting of every
 * storage at once, and closes them (their S3 clients) when the application shuts down.
 */
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ImproperlyConfigured } from '../core/errors.js';
import { Storage } from '../core/storage.js';
import type { StorageModuleOptions } from './storage-module-options.interface.js';
import { DEFAULT_STORAGE_NAME, STORAGE_MODULE_OPTIONS, STORAGE_NAMES } from './storage.tokens.js';

/** The name each storage of a `StorageManager` has, for what reports it (an upload's `req.file.storage`). */
const storageNames = new WeakMap<Storage, string>();

/** The name `storage` has in the application's `StorageModule`, if it is one of its storages. */
export function storageNameOf(storage: Storage): string | undefined {
  return storageNames.get(storage);
}

@Injectable()
export class StorageManager implements OnApplicationShutdown {
  private readonly storages = new Map<string, Storage>();

  constructor(@Inject(STORAGE_MODULE_OPTIONS) options: StorageModuleOptions, @Inject(STORAGE_NAMES) names: string[]) {
    const problems: string[] = [];
    const storages = options?.storages;
    if (typeof storages !== 'object' || storages === null) {
      throw new ImproperlyConfigured("StorageModule options must have 'storages': { default: { backend, options } }");
    }
    for (const name of Object.keys(storages).filter((n) => !names.includes(n))) {
      problems.push(
        `storage '${name}' is not in forRootAsync's names [${names.join(', ')}]; add it there to inject it`,
      );
    }
    for (const name of names.filter((n) => !(n in storages))) {
      problems.push(`storage '${name}' is listed in names but the options have no such storage`);
    }
    for (const [name, definition] of Object.entries(storages)) {
      const backend = definition?.backend;
      if (typeof backend !== 'function' || !(backend.prototype instanceof Storage)) {
        problems.push(`${name}: 'backend' must be a class extending Storage, such as S3Storage`);
        continue;
      }
      try {
        const storage = new backend(definition.options ?? {});
        this.storages.set(name, storage);
        storageNames.set(storage, name);
      } catch (err) {
        if (!(err instanceof ImproperlyConfigured)) throw err;
        problems.push(...err.violations.map((violation) => `${name}: ${violation}`));
      }
    }
    if (problems.length) {
      void this.onApplicationShutdown();
      throw new ImproperlyConfigured(problems, { heading: 'Invalid storage settings' });
    }
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

  has(name: string): boolean {
    return this.storages.has(name);
  }

  names(): string[] {
    return [...this.storages.keys()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.storages.values()].map((storage) => storage.close()));
  }
}
