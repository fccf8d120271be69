import { Module } from '@nestjs/common';
import { S3Storage, s3OptionsFromConfig, StorageModule } from 'nestjs-storages';
import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';
import { FilesController } from './files.controller.js';

@Module({
  imports: [
    StorageModule.forRoot({
      storages: {
        // AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, ... from the environment.
        default: { backend: S3Storage, options: s3OptionsFromConfig(process.env) },
      },
    }),
  ],
  controllers: [AppController, FilesController],
  providers: [AppService],
})
export class AppModule {}
