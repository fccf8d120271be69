/**
 * `StorageHealthIndicator`: whether a storage answers, for `@nestjs/terminus`'s `HealthCheckService`.
 * terminus is an optional peer: it is imported when a check first runs, so an app without it
 * imports this package (and gets this provider from `StorageModule`) unchanged.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { Inject, Injectable } from '@nestjs/common';
import type { Storage } from '../core/storage.js';
import { FileSystemStorage } from '../backends/filesystem/file-system-storage.js';
import { InMemoryStorage } from '../backends/memory/in-memory-storage.js';
import { S3Storage } from '../backends/s3/s3-storage.js';
import { StorageManager } from './storage-manager.js';
import { DEFAULT_STORAGE_NAME } from './storage.tokens.js';

/** Options of `StorageHealthIndicator.pingCheck`. */
export interface StoragePingCheckOptions {
  /** The storage: its name in `StorageModule` (default `'default'`), or the storage itself. */
  storage?: string | Storage;
  /** Milliseconds before the check counts as down. Default 1000, as terminus's own ping checks. */
  timeout?: number;
}

/**
 * A health check's result, as terminus's `HealthIndicatorResult`:
 * `{ [key]: { status: 'up' | 'down', message?: string } }`.
 */
export type StorageHealthResult<Key extends string = string> = Record<
  Key,
  { status: 'up' | 'down'; message?: string; [detail: string]: unknown }
>;

/**
 * Checks that a storage answers: one HeadBucket for an `S3Storage` (the bucket exists and the
 * credentials may use it), read and write access to `location` for a `FileSystemStorage`, nothing
 * for an `InMemoryStorage`, and a `listdir('')` for any other backend. A failure is a "down"
 * result with the reason (the server's error code, a timeout, a network error), never a thrown
 * error, and names no endpoint or credential.
 *
 * @example
 * \@Get('health')
 * \@HealthCheck()
 * check() {
 *   return this.health.check([() => this.storage.pingCheck('media', { storage: 'default', timeout: 1500 })]);
 * }
 */
@Injectable()
export class StorageHealthIndicator {
  constructor(@Inject(StorageManager) private readonly storages: StorageManager) {}

  /**
   * Whether the storage `options.storage` (default `'default'`) answers within `options.timeout`
   * ms: `{ [key]: { status: 'up' } }`, or `'down'` with the reason. Never throws for a down storage.
   */
  async pingCheck<Key extends string>(
    key: Key,
    options: StoragePingCheckOptions = {},
  ): Promise<StorageHealthResult<Key>> {
    const { HealthIndicatorService } = await importTerminus();
    const indicator = new HealthIndicatorService().check(key);
    const timeout = options.timeout ?? 1000;
    let storage: Storage;
    try {
      storage =
        typeof options.storage === 'object'
          ? options.storage
          : this.storages.get(options.storage ?? DEFAULT_STORAGE_NAME);
    } catch (err) {
      return indicator.down({ message: (err as Error).message }) as StorageHealthResult<Key>;
    }
    const signal = AbortSignal.timeout(timeout);
    try {
      await Promise.race([ping(storage, signal), aborted(signal)]);
      return indicator.up() as StorageHealthResult<Key>;
    } catch (err) {
      const message = signal.aborted ? `timed out after ${timeout} ms` : reason(err);
      return indicator.down({ message }) as StorageHealthResult<Key>;
    }
  }
}

/** The cheapest request that shows the storage can be used. */
async function ping(storage: Storage, abortSignal: AbortSignal): Promise<void> {
  if (storage instanceof S3Storage) {
    await storage.client.send(new HeadBucketCommand({ Bucket: storage.bucket }), { abortSignal });
  } else if (storage instanceof FileSystemStorage) {
    await writableDirectory(storage.location);
  } else if (!(storage instanceof InMemoryStorage)) {
    await storage.listdir('');
  }
}

/** `location`, or the nearest folder above it while it is not created yet, is readable and writable. */
async function writableDirectory(path: string): Promise<void> {
  try {
    await access(path, constants.R_OK | constants.W_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(path) === path) throw err;
    await writableDirectory(dirname(path));
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

/** Why the storage is down, in words that hold no endpoint, path or credential. */
function reason(err: unknown): string {
  const error = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = error.$metadata?.httpStatusCode;
  if (status) return `the storage answered ${error.name ?? 'an error'} (HTTP ${status})`;
  const code = error.code ?? /\b(E[A-Z_]{4,})\b/.exec(error.message ?? '')?.[1];
  return `the storage could not be used (${code ?? error.name ?? 'Error'})`;
}

type Terminus = { HealthIndicatorService: new () => { check(key: string): HealthIndicatorSession } };
type HealthIndicatorSession = { up(data?: object): object; down(data?: object): object };

/** `@nestjs/terminus`, an optional peer dependency, loaded on the first check. */
async function importTerminus(): Promise<Terminus> {
  try {
    return (await import('@nestjs/terminus')) as unknown as Terminus;
  } catch (err) {
    // ERR_MODULE_NOT_FOUND from the ES module build, MODULE_NOT_FOUND from the CommonJS one.
    if (!['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'].includes((err as { code?: string }).code!)) throw err;
    throw new Error('StorageHealthIndicator needs @nestjs/terminus to be installed', { cause: err });
  }
}
