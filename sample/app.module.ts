import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import {
  S3ManifestStaticStorage,
  S3Storage,
  s3OptionsFromConfig,
  StorageModule,
  StorageUploadModule,
} from 'nestjs-storages';
import { FilesController } from './files/files.controller.js';
import { FilesService } from './files/files.service.js';
import { HealthController } from './health/health.controller.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    TerminusModule,
    StorageModule.forRootAsync({
      names: ['default', 'staticfiles'],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        storages: {
          // Uploads: files keep their names unless taken (Django's file_overwrite = False).
          default: {
            backend: S3Storage,
            options: s3OptionsFromConfig(config, { location: 'media', fileOverwrite: false }),
          },
          // The page's own CSS and JS: hashed names (app.<md5>.css) with plain, cacheable URLs.
          staticfiles: {
            backend: S3ManifestStaticStorage,
            options: s3OptionsFromConfig(config, { location: 'static' }),
          },
        },
      }),
    }),
    // Uppy's S3 plugin (companionEndpoint: '/storage-uploads'): files of any size straight to S3.
    StorageUploadModule.forRoot({ uploadTo: 'uppy', maxSize: 1024 ** 3 }),
  ],
  controllers: [FilesController, HealthController],
  providers: [FilesService],
})
export class AppModule {}
