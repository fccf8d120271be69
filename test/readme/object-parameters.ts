import { S3Storage } from 'nestjs-storages';

/** Long cache lifetimes for images, a download prompt for everything else. */
export class MediaStorage extends S3Storage {
  override getObjectParameters(name: string): Record<string, unknown> {
    const params = super.getObjectParameters(name);
    if (/\.(png|jpe?g|webp)$/.test(name)) return { ...params, CacheControl: 'max-age=31536000, immutable' };
    return { ...params, ContentDisposition: 'attachment' };
  }
}
