import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { S3StorageOptions } from './s3-storage.options.js';

/** Settings of `S3ManifestStaticStorage`: S3Storage's and Django's two manifest settings. */
export class S3ManifestStaticStorageOptions extends S3StorageOptions {
  /** `manifest_name`: the manifest's name in the storage (under `location`). Default 'staticfiles.json'. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @Matches(/^[^/].*[^/]$|^[^/]$/, { message: "must be a file name, such as 'staticfiles.json'" })
  manifestName?: string;

  /**
   * `manifest_strict`: `url()` of a name missing from the manifest throws (true) or hashes the
   * stored file (false). Default true.
   */
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  manifestStrict?: boolean;
}
