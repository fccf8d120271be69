import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { buildAssets } from './assets.js';
import { FilesService } from './files/files.service.js';

/** The sample application, its page's assets (Uppy bundled) published to the staticfiles storage. */
export async function createSampleApp(root: string): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  await app.get(FilesService).publishAssets(await buildAssets(root));
  return app;
}
