/**
 * The app of bench/upload-1gib.mjs, run as its own process so its memory is its own: a Nest app
 * on Express with StorageModule (S3Storage on the bench's S3 server) and one route,
 * `POST /upload`, with StorageFileInterceptor('file'). Tells its parent the port it listens on,
 * and answers 'report' with its peak RSS (getrusage's maxrss: the whole life of the process) and
 * the CPU time it spent since it was ready.
 */
import 'reflect-metadata';
import { Controller, Module, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { S3Storage, StorageFileInterceptor, StorageModule } from 'nestjs-storages';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const {
  BENCH_S3_ENDPOINT,
  BENCH_S3_ACCESS_KEY,
  BENCH_S3_SECRET_KEY,
  BENCH_S3_REGION,
  BENCH_S3_BUCKET,
  BENCH_PART_MIB,
  BENCH_QUEUE,
} = process.env;

// Decorators applied by hand: this file is plain JavaScript, run from dist/ as users run the package.
class UploadController {
  upload(file) {
    return file;
  }
}
Controller()(UploadController);
const upload = Object.getOwnPropertyDescriptor(UploadController.prototype, 'upload');
Post('upload')(UploadController.prototype, 'upload', upload);
UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'bench' }))(UploadController.prototype, 'upload', upload);
UploadedFile()(UploadController.prototype, 'upload', 0);

class AppModule {}
Module({
  imports: [
    StorageModule.forRoot({
      storages: {
        default: {
          backend: S3Storage,
          options: {
            endpointUrl: BENCH_S3_ENDPOINT,
            accessKey: BENCH_S3_ACCESS_KEY,
            secretKey: BENCH_S3_SECRET_KEY,
            regionName: BENCH_S3_REGION || 'us-east-1',
            bucketName: BENCH_S3_BUCKET,
            transferConfig: { partSize: Number(BENCH_PART_MIB) * 2 ** 20, queueSize: Number(BENCH_QUEUE) },
          },
        },
      },
    }),
  ],
  controllers: [UploadController],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
await app.listen(0, '127.0.0.1');
const idleRss = process.memoryUsage().rss;
const idleCpu = process.cpuUsage();
process.send({ port: app.getHttpServer().address().port });
process.on('message', async (message) => {
  if (message === 'report') {
    const { user, system } = process.cpuUsage(idleCpu);
    process.send({ idleRss, peakRss: process.resourceUsage().maxRSS * 1024, cpuSeconds: (user + system) / 1e6 });
  } else if (message === 'close') {
    await app.close();
    process.disconnect();
  }
});
