/**
 * nestjs-storages: the Django File Storage API, with django-storages' S3 backend, for NestJS.
 * Everything users import comes from here.
 */

// Nest wiring
export { StorageModule } from './nest/storage.module.js';
export { StorageManager } from './nest/storage-manager.js';
export { InjectStorage } from './nest/storage.decorators.js';
export { StorageExceptionFilter } from './nest/storage-exception.filter.js';
export {
  StorageHealthIndicator,
  type StorageHealthResult,
  type StoragePingCheckOptions,
} from './nest/storage-health.indicator.js';
export { ApiStorageFile, ApiStorageFiles } from './nest/api-storage-file.decorator.js';
export { DEFAULT_STORAGE_NAME, getStorageToken, STORAGE_MODULE_OPTIONS } from './nest/storage.tokens.js';
export type {
  StorageBackend,
  StorageDefinition,
  StorageModuleAsyncOptions,
  StorageModuleOptions,
  StorageOptionsFactory,
} from './nest/storage-module-options.interface.js';

// Django's Storage API, backend-neutral
export {
  NameTakenError,
  Storage,
  type ReadRange,
  type SaveBody,
  type SavedFile,
  type SaveOptions,
  type StorageContent,
  type UrlOptions,
} from './core/storage.js';
export type { DeleteManyInput, ScanOptions, StorageEntry, StorageStat, StoredForm } from './core/storage-entries.js';
export { StorageFile, type FileData, type FileMode } from './core/storage-file.js';
export { ContentFile } from './core/content-file.js';
export {
  FileNotFoundError,
  ImproperlyConfigured,
  NotImplementedError,
  StorageError,
  SuspiciousFileOperation,
  SuspiciousOperation,
  ValueError,
} from './core/errors.js';
export { cleanName, filepathToUri, getValidFilename, safeJoin, validateFileName } from './core/names.js';

// Amazon S3
export { S3Storage } from './backends/s3/s3-storage.js';
export { S3StaticStorage } from './backends/s3/s3-static.storage.js';
export { S3ManifestStaticStorage } from './backends/s3/s3-manifest-static.storage.js';
export { S3ManifestStaticStorageOptions } from './backends/s3/s3-manifest-static-storage.options.js';
export { S3File } from './backends/s3/s3-file.js';
export type { UploadUrl, UploadUrlOptions } from './backends/s3/s3-presigned-post.js';
export type {
  AbortIncompleteUploadsOptions,
  CreateMultipartUploadOptions,
  SignUploadPartOptions,
  UploadedPart,
} from './backends/s3/s3-direct-multipart.js';
export { S3StorageOptions, type CloudFrontSigner, type TransferConfig } from './backends/s3/s3-storage.options.js';
export { s3OptionsFromConfig, type ConfigLookup } from './backends/s3/s3-options-from-config.js';
export type { S3Settings } from './backends/s3/s3-settings.js';

// Other backends
export { InMemoryStorage } from './backends/memory/in-memory-storage.js';
export { InMemoryStorageOptions } from './backends/memory/in-memory-storage.options.js';
export { FileSystemStorage } from './backends/filesystem/file-system-storage.js';
export { FileSystemStorageOptions } from './backends/filesystem/file-system-storage.options.js';

// Uploads: multer's storage engine contract, on Express and Fastify
export { multerStorage, type MulterStorageEngine, type MulterStorageOptions } from './upload/multer-storage.js';
export { StorageFileInterceptor, StorageFilesInterceptor } from './upload/storage-file.interceptor.js';
export type { UploadTo } from './upload/upload-to.js';
export { StorageUploadModule } from './upload/direct/storage-upload.module.js';
export type { StorageUploadModuleOptions } from './upload/direct/storage-upload-module-options.interface.js';
export type {
  FileFilter,
  IncomingFile,
  StorageUploadOptions,
  StoredFile,
  StoredFileInfo,
  UploadLimits,
} from './upload/upload.interfaces.js';

// Static files
export {
  collectStatic,
  type CollectStaticOptions,
  type CollectStaticProgress,
  type CollectStaticResult,
} from './staticfiles/collect-static.js';
export { StaticManifest, type StaticManifestOptions } from './staticfiles/static-manifest.js';
export { DEFAULT_IGNORE_PATTERNS } from './staticfiles/source-tree.js';
