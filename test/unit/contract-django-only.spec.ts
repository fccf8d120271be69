/**
 * A backend that implements only Django's methods (no `_stat`, `_scan`, `_copy`, `_deleteMany`
 * of its own) still has stat, scan, copy, move and deleteMany, through Storage's defaults: the
 * contract suite proves them on it, as it would a user's own backend.
 */
import type { Readable } from 'node:stream';
import { InMemoryStorage, Storage, type FileMode, type ReadRange, type StorageFile } from '../../lib/index.js';
import type { SaveBody } from '../../lib/core/storage.js';
import { describeStorageContract } from 'nestjs-storages/testing';

/** Django's methods over an InMemoryStorage, and nothing more. */
class DjangoOnlyStorage extends Storage {
  private readonly inner = new InMemoryStorage({ fileOverwrite: true });

  constructor(readonly fileOverwrite: boolean) {
    super();
  }

  delete(name: string): Promise<void> {
    return this.inner.delete(name);
  }
  exists(name: string): Promise<boolean> {
    return this.inner.exists(name);
  }
  listdir(path: string): Promise<[string[], string[]]> {
    return this.inner.listdir(path);
  }
  size(name: string): Promise<number> {
    return this.inner.size(name);
  }
  url(name: string): Promise<string> {
    return this.inner.url(name);
  }
  getModifiedTime(name: string): Promise<Date> {
    return this.inner.getModifiedTime(name);
  }
  createReadStream(name: string, range?: ReadRange): Promise<Readable> {
    return this.inner.createReadStream(name, range);
  }
  protected _save(name: string, { body, contentType }: SaveBody): Promise<string> {
    return this.inner.save(name, body, { contentType });
  }
  protected _open(name: string, mode: FileMode): Promise<StorageFile> {
    return this.inner.open(name, mode);
  }
}

describeStorageContract(
  'a backend with only Django’s methods',
  ({ fileOverwrite }) => new DjangoOnlyStorage(fileOverwrite),
);
