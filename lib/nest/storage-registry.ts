/**
 * The storages `StorageModule` builds from its options, in one internal provider that each
 * storage's token provider reads. A storage is built when its token is first resolved, so a
 * storage replaced with `overrideProvider(getStorageToken(name))` is never built (a test app
 * needs no bucket for it); when one fails, every other storage is tried too, so one
 * `ImproperlyConfigured` reports every invalid setting of every storage. The registry closes
 * what it built (and only that) when the application shuts down. What the application injects,
 * `StorageManager` included, comes from the tokens, so an override replaces a storage everywhere.
 */
import type { OnApplicationShutdown } from '@nestjs/common';
import { ImproperlyConfigured } from '../core/errors.js';
import { Storage } from '../core/storage.js';
import type { StorageModuleOptions } from './storage-module-options.interface.js';

/** The token of the registry: internal to the module, never exported. */
export const STORAGE_REGISTRY = Symbol('StorageRegistry');

export class StorageRegistry implements OnApplicationShutdown {
  private readonly storages = new Map<string, Storage>();

  private readonly definitions: StorageModuleOptions['storages'];

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
      }
    }
    this.definitions = storages;
    if (problems.length) {
      // The start-up fails anyway: report the settings of every storage with it.
      for (const name of Object.keys(storages)) {
        if (storages[name]?.backend?.prototype instanceof Storage) problems.push(...(this.buildOne(name) ?? []));
      }
      void this.onApplicationShutdown();
      throw new ImproperlyConfigured(problems, { heading: 'Invalid storage settings' });
    }
  }

  /**
   * The storage of `name`, built on first use. When its settings are invalid, every storage not
   * built yet is built too, and the problems of all of them are thrown together.
   */
  get(name: string): Storage {
    const built = this.storages.get(name);
    if (built) return built;
    const problems = this.buildOne(name);
    if (!problems) return this.storages.get(name)!;
    for (const other of Object.keys(this.definitions)) {
      if (other !== name && !this.storages.has(other)) problems.push(...(this.buildOne(other) ?? []));
    }
    throw new ImproperlyConfigured(problems, { heading: 'Invalid storage settings' });
  }

  /** Builds the storage of `name`; its setting problems, each prefixed with the name, when it cannot be. */
  private buildOne(name: string): string[] | undefined {
    const definition = this.definitions[name];
    try {
      this.storages.set(name, new definition.backend(definition.options ?? {}));
      return undefined;
    } catch (err) {
      if (!(err instanceof ImproperlyConfigured)) throw err;
      return err.violations.map((violation) => `${name}: ${violation}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.storages.values()].map((storage) => storage.close()));
  }
}
