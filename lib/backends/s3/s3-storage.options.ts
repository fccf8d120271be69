/**
 * The settings of `S3Storage`: django-storages' `OPTIONS`, camelCased, checked with
 * class-validator when the storage is built. Each names its django-storages setting and the
 * global (environment) name `s3OptionsFromConfig` reads it from.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  NotContains,
  ValidateBy,
} from 'class-validator';

export const MiB = 1024 * 1024;
/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGN_EXPIRY = 7 * 24 * 3600;

/** What `cloudfrontSigner` may be: any object that signs a URL until a date (botocore's `CloudFrontSigner`). */
export interface CloudFrontSigner {
  generatePresignedUrl(url: string, dateLessThan: Date): string;
}

/** `transferConfig`: how `save()` streams large content (boto3's `TransferConfig`). */
export interface TransferConfig {
  /** Bytes per multipart part, at least 5 MiB (`multipart_chunksize`). Default 5 MiB, as lib-storage. */
  partSize?: number;
  /** Parts uploaded at once (`max_concurrency`). Default 4. */
  queueSize?: number;
  /** Content up to this size is sent in one PutObject (`multipart_threshold`). Default 5 MiB. */
  multipartThreshold?: number;
  /**
   * Bytes of part buffers all multipart uploads of the process may hold together (saves, `S3File`
   * writes, interceptor uploads): when they are spent, uploads wait for a free buffer and stop
   * reading their sources. Storages with the same budget share it. At least one part
   * (`partSize`, and `fileBufferSize` for `S3File` writes). Default 64 MiB.
   */
  memoryBudget?: number;
}

export const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
] as const;

/** The PutObject parameters `objectParameters` may set (boto3's `ALLOWED_UPLOAD_ARGS`). */
export const OBJECT_PARAMETERS = [
  'ACL',
  'BucketKeyEnabled',
  'CacheControl',
  'ChecksumAlgorithm',
  'ContentDisposition',
  'ContentEncoding',
  'ContentLanguage',
  'ContentType',
  'ExpectedBucketOwner',
  'Expires',
  'GrantFullControl',
  'GrantRead',
  'GrantReadACP',
  'GrantWriteACP',
  'Metadata',
  'ObjectLockLegalHoldStatus',
  'ObjectLockMode',
  'ObjectLockRetainUntilDate',
  'RequestPayer',
  'SSECustomerAlgorithm',
  'SSECustomerKey',
  'SSECustomerKeyMD5',
  'SSEKMSEncryptionContext',
  'SSEKMSKeyId',
  'ServerSideEncryption',
  'StorageClass',
  'Tagging',
  'WebsiteRedirectLocation',
] as const;

export const CHECKSUM_MODES = ['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const;

const TRANSFER_CONFIG_KEYS = ['partSize', 'queueSize', 'multipartThreshold', 'memoryBudget'];

function KeysIn(allowed: readonly string[], what: string): PropertyDecorator {
  return ValidateBy({
    name: 'keysIn',
    validator: {
      validate: (value) =>
        typeof value === 'object' && value !== null && Object.keys(value).every((key) => allowed.includes(key)),
      defaultMessage: (args) => {
        const unknown = Object.keys((args?.value as object) ?? {}).filter((key) => !allowed.includes(key));
        return `has unknown ${what} ${unknown.map((k) => `'${k}'`).join(', ')} (allowed: ${allowed.join(', ')})`;
      },
    },
  });
}

function IsTransferConfig(): PropertyDecorator {
  return ValidateBy({
    name: 'isTransferConfig',
    validator: {
      validate: (value: TransferConfig) => {
        if (typeof value !== 'object' || value === null) return false;
        if (!Object.keys(value).every((key) => TRANSFER_CONFIG_KEYS.includes(key))) return false;
        const { partSize, queueSize, multipartThreshold, memoryBudget } = value;
        const int = (n: unknown, min: number) => n === undefined || (Number.isInteger(n) && (n as number) >= min);
        return int(partSize, 5 * MiB) && int(queueSize, 1) && int(multipartThreshold, 0) && int(memoryBudget, 5 * MiB);
      },
      defaultMessage: () =>
        'must be an object of partSize (integer, at least 5 MiB), queueSize (integer, at least 1), multipartThreshold (integer bytes) and memoryBudget (integer bytes, at least one part)',
    },
  });
}

function IsCloudFrontSigner(): PropertyDecorator {
  return ValidateBy({
    name: 'isCloudFrontSigner',
    validator: {
      validate: (value) => value === null || typeof (value as CloudFrontSigner)?.generatePresignedUrl === 'function',
      defaultMessage: () => 'must be null (no signing) or an object with generatePresignedUrl(url, dateLessThan)',
    },
  });
}

function IsS3Client(): PropertyDecorator {
  return ValidateBy({
    name: 'isS3Client',
    validator: {
      validate: (value) => typeof (value as S3Client)?.send === 'function',
      defaultMessage: () => 'must be an S3Client',
    },
  });
}

function IsHttpUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isHttpUrl',
    validator: {
      validate: (value) => {
        if (typeof value !== 'string') return false;
        try {
          return ['http:', 'https:'].includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      defaultMessage: () => "must be an http:// or https:// URL, such as 'http://127.0.0.1:9000'",
    },
  });
}

function IsStringMap(): PropertyDecorator {
  return ValidateBy({
    name: 'isStringMap',
    validator: {
      validate: (value) =>
        typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string'),
      defaultMessage: () => "must be an object of strings, such as { https: 'proxy.example.com:3128' }",
    },
  });
}

function IsFalseOrPath(): PropertyDecorator {
  return ValidateBy({
    name: 'isFalseOrPath',
    validator: {
      validate: (value) => typeof value === 'boolean' || (typeof value === 'string' && value.length > 0),
      defaultMessage: () => 'must be false (no TLS verification) or the path of a CA bundle',
    },
  });
}

export class S3StorageOptions {
  /** `session_profile` / AWS_S3_SESSION_PROFILE: a profile of the shared AWS config files. Excludes the keys. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  sessionProfile?: string;

  /** `access_key` / AWS_S3_ACCESS_KEY_ID, AWS_ACCESS_KEY_ID. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  accessKey?: string;

  /** `secret_key` / AWS_S3_SECRET_ACCESS_KEY, AWS_SECRET_ACCESS_KEY. Never printed. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  secretKey?: string;

  /** `security_token` / AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN. Never printed. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  securityToken?: string;

  /** `bucket_name` / AWS_STORAGE_BUCKET_NAME. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @Matches(/^\S+$/, { message: 'must be a bucket name' })
  bucketName?: string;

  /** `object_parameters` / AWS_S3_OBJECT_PARAMETERS: PutObject parameters for every write. Default `{}`. */
  @IsOptional()
  @IsObject({ message: 'must be an object' })
  @KeysIn(OBJECT_PARAMETERS, 'parameter')
  objectParameters?: Record<string, unknown>;

  /** `default_acl` / AWS_DEFAULT_ACL: a canned ACL, sent only when `objectParameters` has no `ACL`. */
  @IsOptional()
  @IsIn(CANNED_ACLS, { message: `must be a canned ACL: ${CANNED_ACLS.join(', ')}` })
  defaultAcl?: (typeof CANNED_ACLS)[number] | null;

  /** `querystring_auth` / AWS_QUERYSTRING_AUTH: sign URLs. Default true (false for `S3StaticStorage`). */
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  querystringAuth?: boolean;

  /** `querystring_expire` / AWS_QUERYSTRING_EXPIRE: seconds a signed URL lives, 1 to 604800. Default 3600. */
  @IsOptional()
  @IsInt({ message: 'must be an integer number of seconds' })
  @Min(1, { message: 'must be at least 1 second' })
  @Max(MAX_PRESIGN_EXPIRY, { message: 'must be at most 604800 seconds (7 days, the SigV4 limit)' })
  querystringExpire?: number;

  /** `max_memory_size` / AWS_S3_MAX_MEMORY_SIZE: bytes an open file buffers in memory before a temporary file. 0 = never roll over. */
  @IsOptional()
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(0, { message: 'must not be negative' })
  maxMemorySize?: number;

  /** `url_protocol` / AWS_S3_URL_PROTOCOL: scheme of custom-domain URLs, ending in ':'. Default 'https:'. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @Matches(/^[a-z][a-z0-9+.-]*:$/i, { message: "must end with ':', such as 'https:'" })
  urlProtocol?: string;

  /** `file_overwrite` / AWS_S3_FILE_OVERWRITE: a save under an existing name replaces it. Default true. */
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  fileOverwrite?: boolean;

  /** `location` / AWS_LOCATION: key prefix of every file, without a leading '/'. Default ''. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  location?: string;

  /** `gzip` / AWS_IS_GZIPPED: gzip content of the `gzipContentTypes` on save. Default false. */
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  gzip?: boolean;

  /** `gzip_content_types` / GZIP_CONTENT_TYPES: content types gzipped when `gzip` is on. */
  @IsOptional()
  @IsString({ each: true, message: 'must be a list of content types' })
  gzipContentTypes?: string[];

  /** `region_name` / AWS_S3_REGION_NAME. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  regionName?: string;

  /** `use_ssl` / AWS_S3_USE_SSL: HTTPS to S3 (an `endpointUrl` brings its own scheme). Default true. */
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  useSsl?: boolean;

  /** `verify` / AWS_S3_VERIFY: false to skip TLS verification, or a CA bundle path. */
  @IsOptional()
  @IsFalseOrPath()
  verify?: boolean | string;

  /** `endpoint_url` / AWS_S3_ENDPOINT_URL: an S3-compatible server, such as MinIO, R2 or Ceph. */
  @IsOptional()
  @IsHttpUrl()
  endpointUrl?: string;

  /** `addressing_style` / AWS_S3_ADDRESSING_STYLE: 'virtual' or 'path'. */
  @IsOptional()
  @IsIn(['virtual', 'path'], { message: "must be 'virtual' or 'path'" })
  addressingStyle?: 'virtual' | 'path';

  /**
   * `proxies` / AWS_S3_PROXIES: proxy by scheme, or by the endpoint's `scheme://host[:port]`, such as
   * `{ https: 'proxy:3128', 'http://minio:9000': 'other-proxy:3128' }`. Plain http is forwarded
   * through the proxy as urllib3 does; https goes in a CONNECT tunnel. Replaced by `clientConfig`.
   */
  @IsOptional()
  @IsStringMap()
  proxies?: Record<string, string>;

  /** `transfer_config` / AWS_S3_TRANSFER_CONFIG: part size and parallelism of streamed saves. */
  @IsOptional()
  @IsTransferConfig()
  transferConfig?: TransferConfig;

  /** `custom_domain` / AWS_S3_CUSTOM_DOMAIN: host (and path) of public URLs, such as a CloudFront domain. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @NotContains('://', {
    message: "must be a host name without a scheme (the scheme is urlProtocol), such as 'cdn.example.com'",
  })
  @Matches(/[^/]$/, { message: "must not end with '/'" })
  customDomain?: string;

  /** `cloudfront_key` / AWS_CLOUDFRONT_KEY: PEM private key for CloudFront signed URLs. Never printed. */
  @IsOptional()
  @IsString({ message: 'must be a PEM string' })
  cloudfrontKey?: string;

  /** `cloudfront_key_id` / AWS_CLOUDFRONT_KEY_ID: the CloudFront public key ID. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  cloudfrontKeyId?: string;

  /** `cloudfront_signer`: null disables CloudFront signing; an object signs as given. */
  @IsOptional()
  @IsCloudFrontSigner()
  cloudfrontSigner?: CloudFrontSigner | null;

  /** `signature_version` / AWS_S3_SIGNATURE_VERSION: 's3v4' (the only one SDK v3 signs with). */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  signatureVersion?: string;

  /** `client_config`: S3ClientConfig merged last; overrides addressingStyle, signatureVersion and proxies. */
  @IsOptional()
  @IsObject({ message: 'must be an S3ClientConfig object' })
  clientConfig?: S3ClientConfig;

  /** `use_threads` / AWS_S3_USE_THREADS (deprecated): false uploads parts one at a time. */
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  useThreads?: boolean;

  /** AWS_S3_FILE_BUFFER_SIZE: part size of files opened for writing, at least 5 MiB. Default 5 MiB. */
  @IsOptional()
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(5 * MiB, { message: 'must be at least 5242880 (5 MiB, the S3 minimum part size)' })
  fileBufferSize?: number;

  /** AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED' by default for a non-AWS `endpointUrl`. */
  @IsOptional()
  @IsIn(CHECKSUM_MODES, { message: "must be 'WHEN_SUPPORTED' or 'WHEN_REQUIRED'" })
  requestChecksumCalculation?: (typeof CHECKSUM_MODES)[number];

  /** AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED' by default for a non-AWS `endpointUrl`. */
  @IsOptional()
  @IsIn(CHECKSUM_MODES, { message: "must be 'WHEN_SUPPORTED' or 'WHEN_REQUIRED'" })
  responseChecksumValidation?: (typeof CHECKSUM_MODES)[number];

  /** An S3Client to use for every call of this storage, instead of one built from these settings. */
  @IsOptional()
  @IsS3Client()
  client?: S3Client;
}

/** Settings whose values are never printed. */
export const SECRET_SETTINGS = ['secretKey', 'securityToken', 'cloudfrontKey'] as const;
