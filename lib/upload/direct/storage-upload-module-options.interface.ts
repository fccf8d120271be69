import type { CanActivate, NestInterceptor, Type } from '@nestjs/common';
import type { UploadTo } from '../upload-to.js';

/** Options of `StorageUploadModule.forRoot()`. */
export interface StorageUploadModuleOptions {
  /** The storage (an `S3Storage`) of `StorageModule` the files go to; `'default'` by default. */
  storage?: string;
  /** Where the routes are mounted: Uppy's `companionEndpoint` is `/<path>`; `'storage-uploads'` by default. */
  path?: string;
  /**
   * Django's `upload_to`, as for `StorageFileInterceptor`: a folder the client's file name is
   * joined to, or a function `(file, req)` that returns the whole name. The name then goes
   * through `generateFilename` and `getAvailableName`: the server names every object.
   */
  uploadTo?: UploadTo;
  /** Largest file accepted, in bytes: pinned in a single upload's policy, checked again when a multipart upload completes. */
  maxSize?: number;
  /**
   * Content types accepted (`'image/png'`, `'image/*'`): the declared type when an upload starts,
   * the content's magic numbers when it completes. Uploads then go up as multipart only (Uppy:
   * `shouldUseMultipart: true`): a single presigned POST has no completion at which the server
   * could read the content.
   */
  allowedTypes?: string[];
  /** Seconds each presigned URL stays valid; the storage's `querystringExpire` by default. */
  expire?: number;
  /**
   * The key that signs the upload ids handed out (so a client cannot use an id or a name the
   * server did not give it). Give every instance of the application the same one; by default a
   * random key, good for this process only.
   */
  secret?: string | Buffer;
  /** Guards of the routes (an authentication guard, say), as `@UseGuards()` takes them. */
  guards?: Array<Type<CanActivate> | CanActivate>;
  /** Interceptors of the routes, as `@UseInterceptors()` takes them. */
  interceptors?: Array<Type<NestInterceptor> | NestInterceptor>;
}
