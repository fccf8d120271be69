import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { StorageExceptionFilter } from 'nestjs-storages';
import { AppModule } from './app.module.js';
import { buildAssets } from './assets.js';
import { setupDocs } from './docs.js';
import { FilesService } from './files/files.service.js';

/** The sample application, its page's assets (Uppy bundled) published to the staticfiles storage. */
export async function createSampleApp(root: string): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  // A missing file is a 404 and a name that climbs out of the storage a 400, not a 500.
  app.useGlobalFilters(new StorageExceptionFilter());
  setupDocs(app);
  await app.get(FilesService).publishAssets(await buildAssets(root));
  return app;
}
