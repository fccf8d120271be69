/**
 * Django's global settings for S3Storage, read from `ConfigService` or `process.env`: each
 * option from its global names (first set wins: `AWS_S3_*` before `AWS_*`), converted from text,
 * every conversion failure reported at once by variable name.
 */
import { ImproperlyConfigured } from '../../core/errors.js';
import type { S3StorageOptions } from './s3-storage.options.js';

type Kind = 'string' | 'boolean' | 'integer' | 'json' | 'list';

/** Each option's global names, in the order they are looked up, and how their text is read. */
export const S3_GLOBAL_NAMES: { [K in keyof S3StorageOptions]?: [names: string[], kind: Kind] } = {
  sessionProfile: [['AWS_S3_SESSION_PROFILE'], 'string'],
  accessKey: [['AWS_S3_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID'], 'string'],
  secretKey: [['AWS_S3_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY'], 'string'],
  securityToken: [['AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'], 'string'],
  bucketName: [['AWS_STORAGE_BUCKET_NAME'], 'string'],
  objectParameters: [['AWS_S3_OBJECT_PARAMETERS'], 'json'],
  defaultAcl: [['AWS_DEFAULT_ACL'], 'string'],
  querystringAuth: [['AWS_QUERYSTRING_AUTH'], 'boolean'],
  querystringExpire: [['AWS_QUERYSTRING_EXPIRE'], 'integer'],
  maxMemorySize: [['AWS_S3_MAX_MEMORY_SIZE'], 'integer'],
  urlProtocol: [['AWS_S3_URL_PROTOCOL'], 'string'],
  fileOverwrite: [['AWS_S3_FILE_OVERWRITE'], 'boolean'],
  location: [['AWS_LOCATION'], 'string'],
  gzip: [['AWS_IS_GZIPPED'], 'boolean'],
  gzipContentTypes: [['GZIP_CONTENT_TYPES'], 'list'],
  regionName: [['AWS_S3_REGION_NAME'], 'string'],
  useSsl: [['AWS_S3_USE_SSL'], 'boolean'],
  verify: [['AWS_S3_VERIFY'], 'string'],
  endpointUrl: [['AWS_S3_ENDPOINT_URL'], 'string'],
  addressingStyle: [['AWS_S3_ADDRESSING_STYLE'], 'string'],
  proxies: [['AWS_S3_PROXIES'], 'json'],
  transferConfig: [['AWS_S3_TRANSFER_CONFIG'], 'json'],
  customDomain: [['AWS_S3_CUSTOM_DOMAIN'], 'string'],
  cloudfrontKey: [['AWS_CLOUDFRONT_KEY'], 'string'],
  cloudfrontKeyId: [['AWS_CLOUDFRONT_KEY_ID'], 'string'],
  signatureVersion: [['AWS_S3_SIGNATURE_VERSION'], 'string'],
  useThreads: [['AWS_S3_USE_THREADS'], 'boolean'],
  fileBufferSize: [['AWS_S3_FILE_BUFFER_SIZE'], 'integer'],
  requestChecksumCalculation: [['AWS_REQUEST_CHECKSUM_CALCULATION'], 'string'],
  responseChecksumValidation: [['AWS_RESPONSE_CHECKSUM_VALIDATION'], 'string'],
};

/** The generic AWS names a session profile outranks (the profile is meant to win over them). */
const GENERIC_CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'];

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** Anything with `get(name)`, such as `@nestjs/config`'s `ConfigService`. */
export interface ConfigLookup {
  get(name: string): unknown;
}

/**
 * S3Storage options from Django's global setting names, read from a `ConfigService` or a
 * `process.env`-like record; `options` given here win over them.
 *
 * @example
 * StorageModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({
 *     storages: { default: { backend: S3Storage, options: s3OptionsFromConfig(config) } },
 *   }),
 * });
 */
export function s3OptionsFromConfig(
  config: ConfigLookup | Record<string, string | undefined>,
  options: S3StorageOptions = {},
): S3StorageOptions {
  const lookup =
    typeof (config as ConfigLookup).get === 'function'
      ? (name: string) => (config as ConfigLookup).get(name)
      : (name: string) => (config as Record<string, unknown>)[name];
  const profile = present(lookup('AWS_S3_SESSION_PROFILE'));

  const result: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [option, [names, kind]] of Object.entries(S3_GLOBAL_NAMES) as [string, [string[], Kind]][]) {
    for (const name of names) {
      if (profile && GENERIC_CREDENTIALS.includes(name)) continue;
      const raw = lookup(name);
      if (!present(raw)) continue;
      try {
        result[option] = convert(raw, kind, option);
      } catch (err) {
        problems.push(`${name} ${(err as Error).message}`);
      }
      break;
    }
  }
  if (problems.length) throw new ImproperlyConfigured(problems);
  return { ...result, ...options } as S3StorageOptions;
}

/** Python's `lookup_env`: unset and empty values do not count. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function convert(raw: unknown, kind: Kind, option: string): unknown {
  if (typeof raw !== 'string') return raw; // a ConfigService may already hold typed values
  const text = raw.trim();
  switch (kind) {
    case 'string':
      // AWS_S3_VERIFY: 'False' turns verification off, as the Python setting False does.
      if (option === 'verify' && FALSE.includes(text.toLowerCase())) return false;
      if (option === 'verify' && TRUE.includes(text.toLowerCase())) return true;
      return raw;
    case 'boolean':
      if (TRUE.includes(text.toLowerCase())) return true;
      if (FALSE.includes(text.toLowerCase())) return false;
      throw new Error(`must be one of true/false/1/0/yes/no (got '${text}')`);
    case 'integer':
      if (/^[+-]?\d+$/.test(text)) return Number(text);
      throw new Error(`must be an integer (got '${text}')`);
    case 'list':
      return text
        .replace(/^[([]|[)\]]$/g, '')
        .split(',')
        .map((item) => item.trim().replace(/^['"]|['"]$/g, ''))
        .filter(Boolean);
    case 'json':
      try {
        const value: unknown = JSON.parse(text);
        return option === 'transferConfig' ? fromPythonTransferConfig(value) : value;
      } catch {
        // The value may hold secrets (SSECustomerKey): say where, not what.
        throw new Error('must be a JSON object, such as {"CacheControl": "max-age=86400"}');
      }
  }
}

/** boto3's `TransferConfig` names, as a Django settings file has them, to ours. */
function fromPythonTransferConfig(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const names: Record<string, string> = {
    multipart_chunksize: 'partSize',
    max_concurrency: 'queueSize',
    multipart_threshold: 'multipartThreshold',
  };
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'use_threads') {
      if (item === false) result.queueSize = 1;
    } else {
      result[names[key] ?? key] = item;
    }
  }
  return result;
}
