/**
 * nestjs-storages: the Django File Storage API, with django-storages' S3 backend, for NestJS.
 * Everything users import comes from here.
 */
export { ContentFile } from './content-file.js';
export {
  FileNotFoundError,
  ImproperlyConfigured,
  NotImplementedError,
  StorageError,
  SuspiciousFileOperation,
  SuspiciousOperation,
} from './errors.js';
export { cleanName, filepathToUri, getValidFilename, safeJoin, validateFileName } from './names.js';
export { Storage, type ReadRange, type SaveOptions, type StorageContent, type UrlOptions } from './storage.js';
export { StorageFile, type FileData, type FileMode } from './storage-file.js';

export { S3Storage } from './s3/s3-storage.js';
export { S3StaticStorage } from './s3/s3-static.storage.js';
export { S3File } from './s3/s3-file.js';
export type { UploadUrl, UploadUrlOptions } from './s3/s3-presigned-post.js';
export { S3StorageOptions, type CloudFrontSigner, type TransferConfig } from './s3/s3-storage.options.js';
export { s3OptionsFromConfig, type ConfigLookup } from './s3/s3-options-from-config.js';
