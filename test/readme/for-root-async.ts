import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { S3StaticStorage, S3Storage, s3OptionsFromConfig, StorageModule } from 'nestjs-storages';

@Module({
  imports: [
    ConfigModule.forRoot(),
    StorageModule.forRootAsync({
      names: ['default', 'staticfiles'],
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        storages: {
          // AWS_STORAGE_BUCKET_NAME, AWS_S3_REGION_NAME, AWS_S3_ENDPOINT_URL, ... as in Django's settings
          default: { backend: S3Storage, options: s3OptionsFromConfig(config) },
          staticfiles: { backend: S3StaticStorage, options: s3OptionsFromConfig(config, { location: 'static' }) },
        },
      }),
    }),
  ],
})
export class AppModule {}
