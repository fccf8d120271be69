/**
 * What `StorageFileInterceptor` and `StorageFilesInterceptor` share: a mixin interceptor that
 * resolves the named storage through `StorageManager` and hands its engine to the HTTP
 * adapter's own upload interceptor (`@nestjs/platform-express`'s multer one, or
 * `@nestjs/platform-fastify`'s multipart one). Nest's interceptors then do what they do for any
 * engine: merge `MulterModule`/`MultipartModule` options under the local ones, build the parser
 * once, map parser errors (`LIMIT_FILE_SIZE` → 413, the other limits → 400), remove stored
 * files when a later part fails or the route's pipes reject the request.
 */
import {
  Inject,
  mixin,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { StorageManager } from '../nest/storage-manager.js';
import { DEFAULT_STORAGE_NAME } from '../nest/storage.tokens.js';
import { multerStorage, type MulterStorageEngine } from './multer-storage.js';
import type { StorageUploadOptions } from './upload.interfaces.js';

/** The tokens of `MulterModule` and `MultipartModule` options, as the adapters define them. */
const MULTER_MODULE_OPTIONS = 'MULTER_MODULE_OPTIONS';
const MULTIPART_MODULE_OPTIONS = 'MULTIPART_MODULE_OPTIONS';

/** What both adapter packages export: the upload interceptors, with multer's option keys. */
export interface AdapterUploadInterceptors {
  FileInterceptor(field: string, options?: object): Type<NestInterceptor>;
  FilesInterceptor(field: string, maxCount?: number, options?: object): Type<NestInterceptor>;
}

type AdapterInterceptor = NestInterceptor & { onModuleInit?(): void };

/**
 * NestJS 11's Fastify adapter has no upload interceptors (they came with `@nestjs/platform-fastify`
 * 12): the application refuses to start rather than fail on its first upload.
 */
const FASTIFY_WITHOUT_UPLOADS =
  'StorageFileInterceptor and StorageFilesInterceptor on Fastify need @nestjs/platform-fastify 12 or later ' +
  "(its FileInterceptor, with @fastify/multipart); NestJS 11's Fastify adapter has none. " +
  'Upgrade to NestJS 12, or use @nestjs/platform-express on NestJS 11.';

/**
 * A mixin interceptor that runs `make(adapter, options)`, the adapter's interceptor for this
 * route, with the named storage's engine as `storage`.
 */
export function storageUploadInterceptor(
  make: (adapter: AdapterUploadInterceptors, options: object) => Type<NestInterceptor>,
  { storage: storageName = DEFAULT_STORAGE_NAME, uploadTo, limits, fileFilter, allowedTypes }: StorageUploadOptions,
): Type<NestInterceptor> {
  class MixinInterceptor implements NestInterceptor, OnModuleInit {
    private readonly engine: MulterStorageEngine;
    private delegate?: Promise<AdapterInterceptor>;

    constructor(
      @Inject(StorageManager) storages: StorageManager,
      @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
      @Optional() @Inject(MULTER_MODULE_OPTIONS) private readonly multerOptions: object = {},
      @Optional() @Inject(MULTIPART_MODULE_OPTIONS) private readonly multipartOptions: object = {},
    ) {
      // An unknown storage name fails when the application starts, not at the first upload.
      this.engine = multerStorage(storages.get(storageName), { uploadTo, storageName, allowedTypes });
    }

    async onModuleInit(): Promise<void> {
      // Fastify's interceptor registers `@fastify/multipart`, which must happen before the server
      // starts. Without an adapter yet (a testing module before `createNestApplication`), wait.
      if (this.adapterHost?.httpAdapter) await this.adapterInterceptor();
    }

    async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
      return (await this.adapterInterceptor()).intercept(context, next);
    }

    private adapterInterceptor(): Promise<AdapterInterceptor> {
      return (this.delegate ??= this.createAdapterInterceptor());
    }

    private async createAdapterInterceptor(): Promise<AdapterInterceptor> {
      const options = { storage: this.engine, limits, fileFilter };
      if (this.adapterHost?.httpAdapter?.getType() === 'fastify') {
        const fastify = await importAdapter(
          () => import('@nestjs/platform-fastify'),
          '@nestjs/platform-fastify and @fastify/multipart',
        );
        if (typeof fastify.FileInterceptor !== 'function') throw new Error(FASTIFY_WITHOUT_UPLOADS);
        const interceptor: AdapterInterceptor = new (make(fastify, options))(this.multipartOptions, this.adapterHost);
        interceptor.onModuleInit?.();
        return interceptor;
      }
      const express = await importAdapter(() => import('@nestjs/platform-express'), '@nestjs/platform-express');
      return new (make(express, options))(this.multerOptions);
    }
  }
  return mixin(MixinInterceptor);
}

/** The adapter package, an optional peer dependency, loaded only on the adapter that needs it. */
async function importAdapter(
  load: () => Promise<AdapterUploadInterceptors>,
  install: string,
): Promise<AdapterUploadInterceptors> {
  try {
    return await load();
  } catch (err) {
    // ERR_MODULE_NOT_FOUND from the ES module build, MODULE_NOT_FOUND from the CommonJS one.
    if (!['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'].includes((err as { code?: string }).code!)) throw err;
    throw new Error(`Storage upload interceptors on this HTTP adapter need ${install} to be installed`, {
      cause: err,
    });
  }
}
