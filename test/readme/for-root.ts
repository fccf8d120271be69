import { Module } from '@nestjs/common';
import { S3StaticStorage, S3Storage, StorageModule } from 'nestjs-storages';

@Module({
  imports: [
    StorageModule.forRoot({
      storages: {
        default: { backend: S3Storage, options: { bucketName: 'media', regionName: 'eu-west-1' } },
        staticfiles: { backend: S3StaticStorage, options: { bucketName: 'assets', location: 'static' } },
      },
    }),
  ],
})
export class AppModule {}
