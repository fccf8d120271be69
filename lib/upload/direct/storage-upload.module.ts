/**
 * `StorageUploadModule.forRoot()`: the routes `@uppy/aws-s3` calls with `companionEndpoint`, so
 * browsers upload files of any size straight to an S3 storage of `StorageModule`.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import { directUploadController } from './direct-upload.controller.js';
import type { StorageUploadModuleOptions } from './storage-upload-module-options.interface.js';

@Module({})
export class StorageUploadModule {
  /**
   * Mounts the direct-upload routes at `/<path>/s3/...` (`path` is `'storage-uploads'` by
   * default) over the storage named `storage`. Import it once per endpoint; each import is its
   * own set of routes with its own options.
   */
  static forRoot(options: StorageUploadModuleOptions = {}): DynamicModule {
    return { module: StorageUploadModule, controllers: [directUploadController(options)] };
  }
}
