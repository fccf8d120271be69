import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';

/** Settings of `FileSystemStorage` (Django's default backend). */
export class FileSystemStorageOptions {
  /** `location` / MEDIA_ROOT: the directory files are stored in. Required. */
  @IsString({ message: 'must be the path of a directory' })
  @IsNotEmpty({ message: 'must be the path of a directory' })
  location!: string;

  /** `base_url` / MEDIA_URL: the URL prefix of `url()`, such as '/media/'. Default '' (Django's MEDIA_URL): relative URLs. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  baseUrl?: string;

  /** `allow_overwrite`: a save under an existing name replaces it. Default false, as Django. */
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  fileOverwrite?: boolean;

  /** `file_permissions_mode` / FILE_UPLOAD_PERMISSIONS: mode of saved files, such as 0o644. */
  @IsOptional()
  @IsInt({ message: 'must be a file mode such as 0o644' })
  @Min(0)
  @Max(0o7777)
  filePermissionsMode?: number;

  /** `directory_permissions_mode` / FILE_UPLOAD_DIRECTORY_PERMISSIONS: mode of created directories. */
  @IsOptional()
  @IsInt({ message: 'must be a file mode such as 0o755' })
  @Min(0)
  @Max(0o7777)
  directoryPermissionsMode?: number;
}
