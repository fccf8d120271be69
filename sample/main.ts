/**
 * `npm start`: the sample app. With no S3 configured it starts an embedded local S3 server first
 * (see local-s3.ts); then the Nest app serves the page on PORT (default 3000).
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { createSampleApp } from './app.js';
import { startLocalS3IfUnconfigured } from './local-s3.js';

const root = process.cwd();

async function bootstrap(): Promise<void> {
  if (existsSync(join(root, '.env'))) process.loadEnvFile(join(root, '.env'));
  await startLocalS3IfUnconfigured(root);
  const app = await createSampleApp(root);
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
  new Logger('Sample').log(`Open ${await app.getUrl()}`);
}

void bootstrap();
