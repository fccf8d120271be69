/**
 * The settings of `S3Storage`: django-storages' `OPTIONS`, camelCased, each declared once as a
 * property of `S3StorageOptions` with its row of the settings table (`@S3Setting`) and the
 * class-validator rules it is checked with when a storage is built.
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
} from 'class-validator';
import {
  IsCloudFrontSigner,
  IsFalseOrPath,
  IsHttpUrl,
  IsS3Client,
  IsStringMap,
  IsStringOrBuffer,
  IsTransferConfig,
  KeysIn,
} from './s3-option.validators.js';
import { S3Setting, s3SettingsOf } from './s3-setting.decorator.js';
import { MAX_COPY_SIZE } from './s3-copy.js';
import { OBJECT_PARAMETERS } from './s3-object-parameters.js';

export const MiB = 1024 * 1024;
/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGN_EXPIRY = 7 * 24 * 3600;

/** What `cloudfrontSigner` may be: any object that signs a URL until a date (botocore's `CloudFrontSigner`). */
export interface CloudFrontSigner {
  generatePresignedUrl(url: string, dateLessThan: Date): string;
}

/** `transferConfig`: how `save()` streams large content (boto3's `TransferConfig`). */
export interface TransferConfig {
  /** Bytes per multipart part, at least 5 MiB (`multipart_chunksize`). Default 5 MiB. */
  partSize?: number;
  /** Parts uploaded at once (`max_concurrency`). Default 4. */
  queueSize?: number;
  /** Content up to this size is sent in one PutObject (`multipart_threshold`). Default 5 MiB. */
  multipartThreshold?: number;
  /**
   * `copy()` of a source up to this size is one CopyObject; a larger one is copied in `partSize`
   * parts (UploadPartCopy). Default and most: 5 GiB, S3's limit on CopyObject. Below 5 GiB, each
   * copy first asks the source's size (one HEAD).
   */
  copyThreshold?: number;
  /**
   * Bytes of part buffers all multipart uploads of the process may hold together (saves, `S3File`
   * writes, interceptor uploads): when they are spent, uploads wait for a free buffer and stop
   * reading their sources. Storages with the same budget share it. At least one part
   * (`partSize`, and `fileBufferSize` for `S3File` writes). Default 64 MiB.
   */
  memoryBudget?: number;
}

const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
] as const;

export const CHECKSUM_MODES = ['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const;

/**
 * `transferConfig` when unset: every part in flight is held in memory, plus the one being filled,
 * so 5 MiB parts, 4 at a time, keep a streamed save's memory low.
 */
export const TRANSFER_DEFAULTS: Readonly<Required<TransferConfig>> = Object.freeze({
  partSize: 5 * MiB,
  queueSize: 4,
  multipartThreshold: 5 * MiB,
  copyThreshold: MAX_COPY_SIZE,
  memoryBudget: 64 * MiB,
});

/**
 * The settings table of S3Storage: each option's `@S3Setting` row (django-storages' name, the
 * global names `s3OptionsFromConfig` reads in order, how their text converts, the default,
 * secret or not) beside its class-validator rules. Nothing else declares a setting.
 */
export class S3StorageOptions {
  /** A profile of the shared AWS config files. Excludes the keys. */
  @S3Setting({
    django: 'session_profile',
    globalNames: ['AWS_S3_SESSION_PROFILE'],
    environment: ['AWS_S3_SESSION_PROFILE'],
  })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  sessionProfile?: string;

  /** The access key ID; with `secretKey`. */
  @S3Setting({
    django: 'access_key',
    globalNames: ['AWS_S3_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID'],
    environment: ['AWS_S3_ACCESS_KEY_ID'],
  })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  accessKey?: string;

  /** The secret access key; with `accessKey`. Never printed. */
  @S3Setting({
    django: 'secret_key',
    globalNames: ['AWS_S3_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY'],
    environment: ['AWS_S3_SECRET_ACCESS_KEY'],
    secret: true,
  })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  secretKey?: string;

  /** The session token of temporary keys. Never printed. */
  @S3Setting({
    django: 'security_token',
    globalNames: ['AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'],
    environment: ['AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'],
    secret: true,
    note: 'with keys',
  })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  securityToken?: string;

  /** The bucket. Required, unless the storage only builds `customDomain` URLs. */
  @S3Setting({
    django: 'bucket_name',
    globalNames: ['AWS_STORAGE_BUCKET_NAME'],
    note: 'required, unless only `customDomain` URLs are built',
  })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @Matches(/^\S+$/, { message: 'must be a bucket name' })
  bucketName?: string;

  /** PutObject parameters for every write; see `getObjectParameters()`. */
  @S3Setting({
    django: 'object_parameters',
    globalNames: ['AWS_S3_OBJECT_PARAMETERS'],
    from: 'json',
    default: {},
    secretKeys: ['SSECustomerKey'],
  })
  @IsOptional()
  @IsObject({ message: 'must be an object' })
  @KeysIn(OBJECT_PARAMETERS, 'parameter')
  objectParameters?: Record<string, unknown>;

  /** A canned ACL, sent only when `objectParameters` has no `ACL`. */
  @S3Setting({ django: 'default_acl', globalNames: ['AWS_DEFAULT_ACL'], note: 'private, no ACL sent' })
  @IsOptional()
  @IsIn(CANNED_ACLS, { message: `must be a canned ACL: ${CANNED_ACLS.join(', ')}` })
  defaultAcl?: (typeof CANNED_ACLS)[number] | null;

  /** Sign URLs. */
  @S3Setting({
    django: 'querystring_auth',
    globalNames: ['AWS_QUERYSTRING_AUTH'],
    from: 'boolean',
    default: true,
    note: '`false` for `S3StaticStorage`',
  })
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  querystringAuth?: boolean;

  /** Seconds a signed URL lives. */
  @S3Setting({
    django: 'querystring_expire',
    globalNames: ['AWS_QUERYSTRING_EXPIRE'],
    from: 'integer',
    default: 3600,
    note: '1 to 604800',
  })
  @IsOptional()
  @IsInt({ message: 'must be an integer number of seconds' })
  @Min(1, { message: 'must be at least 1 second' })
  @Max(MAX_PRESIGN_EXPIRY, { message: 'must be at most 604800 seconds (7 days, the SigV4 limit)' })
  querystringExpire?: number;

  /** Bytes an open file buffers in memory before a temporary file. */
  @S3Setting({
    django: 'max_memory_size',
    globalNames: ['AWS_S3_MAX_MEMORY_SIZE'],
    from: 'integer',
    default: 0,
    note: 'never roll over',
  })
  @IsOptional()
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(0, { message: 'must not be negative' })
  maxMemorySize?: number;

  /** Scheme of custom-domain URLs, ending in ':'. */
  @S3Setting({
    django: 'url_protocol',
    globalNames: ['AWS_S3_URL_PROTOCOL'],
    default: 'https:',
    note: 'must end in `:`',
  })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @Matches(/^[a-z][a-z0-9+.-]*:$/i, { message: "must end with ':', such as 'https:'" })
  urlProtocol?: string;

  /** A save under an existing name replaces it. */
  @S3Setting({ django: 'file_overwrite', globalNames: ['AWS_S3_FILE_OVERWRITE'], from: 'boolean', default: true })
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  fileOverwrite?: boolean;

  /** Key prefix of every file, without a leading '/'. */
  @S3Setting({ django: 'location', globalNames: ['AWS_LOCATION'], default: '', note: 'no leading `/`' })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  location?: string;

  /** Gzip content of the `gzipContentTypes` on save. */
  @S3Setting({ django: 'gzip', globalNames: ['AWS_IS_GZIPPED'], from: 'boolean', default: false })
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  gzip?: boolean;

  /** Content types gzipped when `gzip` is on. */
  @S3Setting({
    django: 'gzip_content_types',
    globalNames: ['GZIP_CONTENT_TYPES'],
    from: 'list',
    default: ['text/css', 'text/javascript', 'application/javascript', 'application/x-javascript', 'image/svg+xml'],
  })
  @IsOptional()
  @IsString({ each: true, message: 'must be a list of content types' })
  gzipContentTypes?: string[];

  /** The region; when unset, AWS_REGION, else the profile's, else us-east-1. */
  @S3Setting({
    django: 'region_name',
    globalNames: ['AWS_S3_REGION_NAME'],
    environment: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    note: "else the profile's, else `us-east-1`",
  })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  regionName?: string;

  /** HTTPS to S3 (an `endpointUrl` brings its own scheme). */
  @S3Setting({ django: 'use_ssl', globalNames: ['AWS_S3_USE_SSL'], from: 'boolean', default: true })
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  useSsl?: boolean;

  /** False to skip TLS verification, or a CA bundle path. */
  @S3Setting({
    django: 'verify',
    globalNames: ['AWS_S3_VERIFY'],
    from: 'boolean-or-path',
    note: '`false`, or a CA bundle path',
  })
  @IsOptional()
  @IsFalseOrPath()
  verify?: boolean | string;

  /** An S3-compatible server, such as MinIO, R2 or Ceph. */
  @S3Setting({ django: 'endpoint_url', globalNames: ['AWS_S3_ENDPOINT_URL'] })
  @IsOptional()
  @IsHttpUrl()
  endpointUrl?: string;

  /** 'virtual' or 'path'; path by default with an `endpointUrl`. */
  @S3Setting({
    django: 'addressing_style',
    globalNames: ['AWS_S3_ADDRESSING_STYLE'],
    note: "`'virtual'` or `'path'`; path with `endpointUrl`",
  })
  @IsOptional()
  @IsIn(['virtual', 'path'], { message: "must be 'virtual' or 'path'" })
  addressingStyle?: 'virtual' | 'path';

  /**
   * Proxy by scheme, or by the endpoint's `scheme://host[:port]`, such as
   * `{ https: 'proxy:3128', 'http://minio:9000': 'other-proxy:3128' }`. Plain http is forwarded
   * through the proxy as urllib3 does; https goes in a CONNECT tunnel. Replaced by `clientConfig`.
   */
  @S3Setting({ django: 'proxies', globalNames: ['AWS_S3_PROXIES'], from: 'json' })
  @IsOptional()
  @IsStringMap()
  proxies?: Record<string, string>;

  /** Part size and parallelism of streamed saves; keys left out keep their defaults. */
  @S3Setting({
    django: 'transfer_config',
    globalNames: ['AWS_S3_TRANSFER_CONFIG'],
    from: 'transfer-config',
    default: TRANSFER_DEFAULTS,
  })
  @IsOptional()
  @IsTransferConfig(Object.keys(TRANSFER_DEFAULTS), 5 * MiB)
  transferConfig?: TransferConfig;

  /** Host (and path) of public URLs, such as a CloudFront domain. */
  @S3Setting({ django: 'custom_domain', globalNames: ['AWS_S3_CUSTOM_DOMAIN'] })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @NotContains('://', {
    message: "must be a host name without a scheme (the scheme is urlProtocol), such as 'cdn.example.com'",
  })
  @Matches(/[^/]$/, { message: "must not end with '/'" })
  customDomain?: string;

  /** PEM private key (PKCS#1 or PKCS#8) for CloudFront signed URLs, as a string or a Buffer. Never printed. */
  @S3Setting({
    django: 'cloudfront_key',
    globalNames: ['AWS_CLOUDFRONT_KEY'],
    secret: true,
    note: 'PEM, string or `Buffer`',
  })
  @IsOptional()
  @IsStringOrBuffer()
  cloudfrontKey?: string | Buffer;

  /** The CloudFront public key ID; with `cloudfrontKey`. */
  @S3Setting({ django: 'cloudfront_key_id', globalNames: ['AWS_CLOUDFRONT_KEY_ID'] })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  cloudfrontKeyId?: string;

  /** null disables CloudFront signing; an object signs as given. Default: built from key and key id. */
  @S3Setting({ django: 'cloudfront_signer', note: 'from key + key id; `null` disables signing' })
  @IsOptional()
  @IsCloudFrontSigner()
  cloudfrontSigner?: CloudFrontSigner | null;

  /** 's3v4', the only one SDK v3 signs with. */
  @S3Setting({
    django: 'signature_version',
    globalNames: ['AWS_S3_SIGNATURE_VERSION'],
    default: 's3v4',
    note: 'the only one SDK v3 signs with',
  })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  signatureVersion?: string;

  /** S3ClientConfig merged last; replaces addressingStyle, signatureVersion and proxies. */
  @S3Setting({ django: 'client_config', note: 'an `S3ClientConfig`' })
  @IsOptional()
  @IsObject({ message: 'must be an S3ClientConfig object' })
  clientConfig?: S3ClientConfig;

  /** Deprecated: false uploads parts one at a time. */
  @S3Setting({
    django: 'use_threads',
    globalNames: ['AWS_S3_USE_THREADS'],
    from: 'boolean',
    default: true,
    deprecated: true,
  })
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  useThreads?: boolean;

  /** Part size of files opened for writing, at least 5 MiB. */
  @S3Setting({
    django: 'AWS_S3_FILE_BUFFER_SIZE',
    globalNames: ['AWS_S3_FILE_BUFFER_SIZE'],
    from: 'integer',
    default: 5 * MiB,
    note: 'at least 5 MiB',
  })
  @IsOptional()
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(5 * MiB, { message: 'must be at least 5242880 (5 MiB, the S3 minimum part size)' })
  fileBufferSize?: number;

  /** The SDK's request checksums; 'WHEN_REQUIRED' by default for a non-AWS `endpointUrl`. */
  @S3Setting({
    globalNames: ['AWS_REQUEST_CHECKSUM_CALCULATION'],
    note: "`'WHEN_REQUIRED'` with a non-AWS `endpointUrl`, else the SDK's",
  })
  @IsOptional()
  @IsIn(CHECKSUM_MODES, { message: "must be 'WHEN_SUPPORTED' or 'WHEN_REQUIRED'" })
  requestChecksumCalculation?: (typeof CHECKSUM_MODES)[number];

  /** The SDK's response checksum validation; 'WHEN_REQUIRED' by default for a non-AWS `endpointUrl`. */
  @S3Setting({
    globalNames: ['AWS_RESPONSE_CHECKSUM_VALIDATION'],
    note: "`'WHEN_REQUIRED'` with a non-AWS `endpointUrl`, else the SDK's",
  })
  @IsOptional()
  @IsIn(CHECKSUM_MODES, { message: "must be 'WHEN_SUPPORTED' or 'WHEN_REQUIRED'" })
  responseChecksumValidation?: (typeof CHECKSUM_MODES)[number];

  /** An S3Client to use for every call of this storage, instead of one built from these settings. */
  @S3Setting({ note: 'an `S3Client`; one is built from these settings' })
  @IsOptional()
  @IsS3Client()
  client?: S3Client;
}

/** The settings table of S3Storage, in declaration order. */
export const S3_SETTINGS = s3SettingsOf(S3StorageOptions);
