import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Swagger UI at `/docs` (the document at `/docs-json`): the upload route shows its file field. */
export function setupDocs(app: INestApplication): void {
  const config = new DocumentBuilder().setTitle('nestjs-storages sample').build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config));
}
