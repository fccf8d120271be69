/** django-storages' `S3StaticStorage`: S3Storage for static files, with plain (unsigned) URLs by default. */
import { S3Storage } from './s3-storage.js';
import type { S3StorageOptions } from './s3-storage.options.js';

export class S3StaticStorage extends S3Storage {
  static override readonly defaults: S3StorageOptions = { ...S3Storage.defaults, querystringAuth: false };
}
