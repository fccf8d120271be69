import { Injectable, Module, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { S3Storage, StorageModule, StorageUploadModule } from 'nestjs-storages';

/** Your authentication: only signed-in users may upload. */
@Injectable()
export class SignedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return Boolean(context.switchToHttp().getRequest().user);
  }
}

@Module({
  imports: [
    StorageModule.forRoot({ storages: { default: { backend: S3Storage, options: { bucketName: 'media' } } } }),
    // Uppy's companionEndpoint: '/storage-uploads'
    StorageUploadModule.forRoot({
      uploadTo: 'uploads/%Y/%m',
      maxSize: 10 * 1024 ** 3,
      guards: [SignedInGuard],
      secret: process.env.UPLOAD_SECRET, // the same on every instance
    }),
    StorageUploadModule.forRoot({ path: 'avatar-uploads', uploadTo: 'avatars', allowedTypes: ['image/*'] }),
  ],
})
export class AppModule {}
