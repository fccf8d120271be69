import { IsBoolean, IsOptional, IsString } from 'class-validator';

/** Settings of `InMemoryStorage` (Django 4.2's in-memory backend). */
export class InMemoryStorageOptions {
  /** A prefix every name is kept under, as `location` on S3. Default ''. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  location?: string;

  /** `base_url`: the URL prefix of `url()`, such as '/media/'. Default '' (Django's MEDIA_URL): relative URLs. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  baseUrl?: string;

  /** A save under an existing name replaces it (Django's `allow_overwrite`). Default false, as Django. */
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  fileOverwrite?: boolean;
}
