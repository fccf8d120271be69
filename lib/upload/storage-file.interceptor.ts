/**
 * `FileInterceptor` and `FilesInterceptor` for a named storage of `StorageModule`: each file
 * part streams straight into the storage, and `req.file` (`@UploadedFile()`) describes what was
 * stored (`name`, `size`, `contentType`, `storage`, `url`). Works on Express and on Fastify.
 */
import type { NestInterceptor, Type } from '@nestjs/common';
import { storageUploadInterceptor } from './storage-upload.interceptor.js';
import type { StorageUploadOptions } from './upload.interfaces.js';

/**
 * Stores the file of form field `field` in the storage named `options.storage` (default
 * `'default'`), under `options.uploadTo`.
 *
 * @example
 * \@Post('avatar')
 * \@UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'avatars', limits: { fileSize: 5 * 2 ** 20 } }))
 * upload(@UploadedFile() file: StoredFile) { return { name: file.name, url: file.url }; }
 */
export function StorageFileInterceptor(field: string, options: StorageUploadOptions = {}): Type<NestInterceptor> {
  return storageUploadInterceptor((adapter, local) => adapter.FileInterceptor(field, local), options);
}

/** Stores up to `maxCount` files of form field `field`, as `StorageFileInterceptor` does one (`req.files`). */
export function StorageFilesInterceptor(
  field: string,
  maxCount?: number,
  options: StorageUploadOptions = {},
): Type<NestInterceptor> {
  return storageUploadInterceptor((adapter, local) => adapter.FilesInterceptor(field, maxCount, local), options);
}
