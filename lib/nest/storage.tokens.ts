/** Injection tokens of StorageModule. */

/** The name of the storage injected when none is given, as Django's `STORAGES['default']`. */
export const DEFAULT_STORAGE_NAME = 'default';

/** The module's options, as given to `forRoot` or made by `forRootAsync`'s factory. */
export const STORAGE_MODULE_OPTIONS = 'STORAGE_MODULE_OPTIONS';

/** The storage names a module registers providers for. */
export const STORAGE_NAMES = 'STORAGE_NAMES';

/**
 * The injection token of a named storage, for `@Inject()`, `moduleRef.get()` and
 * `overrideProvider(getStorageToken('default'))` in tests.
 */
export function getStorageToken(name: string = DEFAULT_STORAGE_NAME): string {
  return `Storage_${name}`;
}
