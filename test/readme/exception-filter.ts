import { NestFactory } from '@nestjs/core';
import { StorageExceptionFilter } from 'nestjs-storages';
import { AppModule } from './for-root.js';

export async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.useGlobalFilters(new StorageExceptionFilter());
  await app.listen(3000);
}
