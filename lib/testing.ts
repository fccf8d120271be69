/**
 * `nestjs-storages/testing`: what an app's own tests use to replace its storages.
 * (The entry point of the package's second export; its contents are owned by the testing work,
 * this file only holds the place so the exports map and its checks cover it.)
 */
export { InMemoryStorage } from './backends/memory/in-memory-storage.js';
export { getStorageToken } from './nest/storage.tokens.js';
