/**
 * StorageModule: Django's `STORAGES` setting for a Nest application. One provider per named
 * storage (`@InjectStorage('staticfiles')`), the `StorageManager` for lookups at run time, and
 * the default storage under the `Storage` class itself.
 */
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { Storage } from '../core/storage.js';
import { StorageHealthIndicator } from './storage-health.indicator.js';
import { StorageManager } from './storage-manager.js';
import { STORAGE_REGISTRY, StorageRegistry } from './storage-registry.js';
import type {
  StorageModuleAsyncOptions,
  StorageModuleOptions,
  StorageOptionsFactory,
} from './storage-module-options.interface.js';
import { DEFAULT_STORAGE_NAME, getStorageToken, STORAGE_MODULE_OPTIONS, STORAGE_NAMES } from './storage.tokens.js';

@Module({})
export class StorageModule {
  /** Registers the storages of `options.storages`, one provider per name (Django's `STORAGES`). */
  static forRoot(options: StorageModuleOptions): DynamicModule {
    const names = Object.keys(options?.storages ?? {});
    return StorageModule.define(names, options.isGlobal, [{ provide: STORAGE_MODULE_OPTIONS, useValue: options }]);
  }

  /**
   * Registers the storages `names` (default `['default']`), with options made by a factory, a
   * class or an existing provider (from `ConfigService`, say).
   */
  static forRootAsync(options: StorageModuleAsyncOptions): DynamicModule {
    const names = options.names ?? [DEFAULT_STORAGE_NAME];
    return {
      ...StorageModule.define(names, options.isGlobal, [
        ...StorageModule.optionsProviders(options),
        ...(options.extraProviders ?? []),
      ]),
      imports: options.imports ?? [],
    };
  }

  private static define(names: string[], isGlobal: boolean | undefined, optionsProviders: Provider[]): DynamicModule {
    const storageProviders: Provider[] = names.map((name) => ({
      provide: getStorageToken(name),
      useFactory: (registry: StorageRegistry) => registry.get(name),
      inject: [STORAGE_REGISTRY],
    }));
    // `constructor(private storage: Storage)` gets the default storage, as cache-manager's `Cache`.
    if (names.includes(DEFAULT_STORAGE_NAME)) {
      storageProviders.push({ provide: Storage, useExisting: getStorageToken(DEFAULT_STORAGE_NAME) });
    }
    return {
      module: StorageModule,
      global: isGlobal ?? true,
      providers: [
        ...optionsProviders,
        { provide: STORAGE_NAMES, useValue: names },
        {
          provide: STORAGE_REGISTRY,
          useFactory: (moduleOptions: StorageModuleOptions, storageNames: string[]) =>
            new StorageRegistry(moduleOptions, storageNames),
          inject: [STORAGE_MODULE_OPTIONS, STORAGE_NAMES],
        },
        // The manager sees each storage through its token, so an overridden token is what it gives.
        {
          provide: StorageManager,
          useFactory: (...storages: Storage[]) => new StorageManager(new Map(names.map((n, i) => [n, storages[i]]))),
          inject: names.map((name) => getStorageToken(name)),
        },
        StorageHealthIndicator,
        ...storageProviders,
      ],
      exports: [
        StorageManager,
        StorageHealthIndicator,
        ...storageProviders.map((provider) => (provider as { provide: string }).provide),
      ],
    };
  }

  private static optionsProviders(options: StorageModuleAsyncOptions): Provider[] {
    if (options.useFactory) {
      return [{ provide: STORAGE_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }];
    }
    const factoryClass = options.useClass ?? options.useExisting;
    if (!factoryClass) {
      throw new TypeError('StorageModule.forRootAsync needs one of useFactory, useClass or useExisting');
    }
    return [
      ...(options.useClass ? [{ provide: options.useClass, useClass: options.useClass }] : []),
      {
        provide: STORAGE_MODULE_OPTIONS,
        useFactory: (factory: StorageOptionsFactory) => factory.createStorageOptions(),
        inject: [factoryClass],
      },
    ];
  }
}
