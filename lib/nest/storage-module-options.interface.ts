import type { ModuleMetadata, Provider, Type } from '@nestjs/common';
import type { Storage } from '../core/storage.js';

/** A storage class: `S3Storage`, `S3StaticStorage`, `InMemoryStorage`, `FileSystemStorage` or your own subclass. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each backend has its own options type
export type StorageBackend<O = any> = new (options: O) => Storage;

/** One entry of Django's `STORAGES`: the backend and its `OPTIONS`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface StorageDefinition<B extends StorageBackend = StorageBackend<any>> {
  backend: B;
  options?: ConstructorParameters<B>[0];
}

export interface StorageModuleOptions {
  /** The storages by name; `default` is what `@InjectStorage()` gives. */
  storages: Record<string, StorageDefinition>;
  /** Register the module globally (default true), so every module can inject the storages. */
  isGlobal?: boolean;
}

/** A class that makes the module's options, for `forRootAsync({ useClass })` or `useExisting`. */
export interface StorageOptionsFactory {
  createStorageOptions(): StorageModuleOptions | Promise<StorageModuleOptions>;
}

export interface StorageModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** The storage names to register as providers (the factory must return exactly these). Default `['default']`. */
  names?: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as Nest's own async options
  useFactory?: (...args: any[]) => StorageModuleOptions | Promise<StorageModuleOptions>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inject?: any[];
  useClass?: Type<StorageOptionsFactory>;
  useExisting?: Type<StorageOptionsFactory>;
  /** Register the module globally (default true). */
  isGlobal?: boolean;
  /** Providers the factory class or function needs that no imported module gives. */
  extraProviders?: Provider[];
}
