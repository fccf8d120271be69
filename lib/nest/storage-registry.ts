/**
 * The storages `StorageModule` builds from its options, in one internal provider that each
 * storage's token provider reads. Building them together is what reports every invalid setting
 * of every storage in one `ImproperlyConfigured`; the registry closes what it built (and only
 * that) when the application shuts down. What the application injects, `StorageManager`
 * included, comes from the tokens, so `overrideProvider(getStorageToken(name))` replaces a
 * storage everywhere.
 */
import type { OnApplicationShutdown } from '@nestjs/common';
import { ImproperlyConfigured } from '../core/errors.js';
import { Storage } from '../core/storage.js';
import type { StorageModuleOptions } from './storage-module-options.interface.js';

/** The token of the registry: internal to the module, never exported. */
export const STORAGE_REGISTRY = Symbol('StorageRegistry');

export class StorageRegistry implements OnApplicationShutdown {
  private readonly storages = new Map<string, Storage>();

  constructor(options: StorageModuleOptions, names: string[]) {
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
        this.storages.set(name, new backend(definition.options ?? {}));
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

  /** The storage built for `name` (every name of the module has one once the constructor returned). */
  get(name: string): Storage {
    return this.storages.get(name)!;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.storages.values()].map((storage) => storage.close()));
  }
}
