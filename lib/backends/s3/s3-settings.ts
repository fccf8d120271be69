/**
 * The settings of one S3Storage, resolved once when it is built: its options over its class's
 * defaults, the rest from the process environment (the one place the S3 backend reads it), and
 * every problem found reported together in one ImproperlyConfigured: rules of the options class,
 * global names that did not convert, settings that conflict, a missing bucket. Each problem
 * names its setting; none carries the value of a secret.
 */
import { createPrivateKey } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { inspect } from 'node:util';
import { ImproperlyConfigured } from '../../core/errors.js';
import { declaredSettings, definedOptions, optionViolations } from '../../core/validate-options.js';
import { cloudfrontSigner } from './cloudfront-signer.js';
import { globalNameProblems } from './s3-options-from-config.js';
import type { S3SettingRow } from './s3-setting.decorator.js';
import {
  S3_SETTINGS,
  S3StorageOptions,
  TRANSFER_DEFAULTS,
  type CloudFrontSigner,
  type TransferConfig,
} from './s3-storage.options.js';

/**
 * The options that always have a value once resolved, for the type of `S3Settings`: those the
 * table gives a default (a unit test holds the two together), `transferConfig` typed apart.
 */
export const DEFAULTED_SETTINGS = [
  'objectParameters',
  'querystringAuth',
  'querystringExpire',
  'maxMemorySize',
  'urlProtocol',
  'fileOverwrite',
  'location',
  'gzip',
  'gzipContentTypes',
  'useSsl',
  'useThreads',
  'fileBufferSize',
  'signatureVersion',
] as const;
type Defaulted = (typeof DEFAULTED_SETTINGS)[number];

/**
 * The resolved, frozen settings of an S3Storage (`storage.settings`): every option with its
 * default filled in, `transferConfig` complete, `cloudfrontSigner` built. Inspecting it or
 * turning it into JSON shows secrets as `'[redacted]'`.
 */
export type S3Settings = Readonly<
  Omit<S3StorageOptions, Defaulted | 'transferConfig' | 'cloudfrontSigner' | 'defaultAcl'> &
    Required<Pick<S3StorageOptions, Defaulted>> & {
      defaultAcl?: NonNullable<S3StorageOptions['defaultAcl']>;
      transferConfig: Readonly<Required<TransferConfig>>;
      /** The signer of custom-domain URLs: given, or built from `cloudfrontKey` and `cloudfrontKeyId`; null: none. */
      cloudfrontSigner: CloudFrontSigner | null;
    }
>;

const REDACTED = '[redacted]';
const S3_OPTION_NAMES = declaredSettings(S3StorageOptions);
const row = (option: keyof S3StorageOptions): S3SettingRow => S3_SETTINGS.find((r) => r.option === option)!;

/** The defaults of the settings table, as `S3Storage.defaults` has them. */
export function s3Defaults(): S3StorageOptions {
  return Object.fromEntries(S3_SETTINGS.filter((r) => r.default !== undefined).map((r) => [r.option, r.default]));
}

/**
 * The settings of a storage of class `backend` built with `options`: validated against
 * `optionsType`, over `defaults`. Throws one ImproperlyConfigured listing every problem.
 */
export function resolveS3Settings(
  backend: string,
  optionsType: new () => S3StorageOptions,
  options: S3StorageOptions,
  defaults: S3StorageOptions,
): S3Settings {
  const known = optionsType === S3StorageOptions ? S3_OPTION_NAMES : declaredSettings(optionsType);
  const given = definedOptions(options);
  const settings: Record<string, unknown> = { ...defaults, ...given };
  // django-storages' `lookup_env`: what an option does not set, the environment may.
  for (const { option, environment } of S3_SETTINGS) {
    const value = settings[option] ?? lookupEnv(environment);
    if (value !== undefined) settings[option] = value;
  }

  const problems = [
    ...optionViolations(backend, optionsType, options, known),
    ...globalNameProblems(options).map(
      ({ option, name, problem }) => `${backend} setting '${option}' from ${name} ${problem}`,
    ),
    ...settingConflicts(backend, settings as S3StorageOptions),
  ];
  if (problems.length) throw new ImproperlyConfigured(problems);

  const s = settings as S3StorageOptions;
  const useThreads = s.useThreads !== false;
  const resolved = definedOptions({
    ...s,
    defaultAcl: s.defaultAcl ?? undefined,
    customDomain: s.customDomain || undefined,
    objectParameters: Object.freeze({ ...s.objectParameters }),
    gzipContentTypes: Object.freeze([...s.gzipContentTypes!]),
    transferConfig: Object.freeze({
      ...defaults.transferConfig,
      // boto3's `TransferConfig(use_threads=False)`: one part at a time, unless queueSize says otherwise.
      ...(useThreads ? {} : { queueSize: 1 }),
      ...definedOptions(given.transferConfig ?? {}),
    }),
    cloudfrontSigner:
      s.cloudfrontSigner !== undefined
        ? s.cloudfrontSigner
        : s.cloudfrontKey && s.cloudfrontKeyId
          ? cloudfrontSigner(s.cloudfrontKeyId, s.cloudfrontKey)
          : null,
    requestChecksumCalculation: s.requestChecksumCalculation ?? checksumDefault(s, 'requestChecksumCalculation'),
    responseChecksumValidation: s.responseChecksumValidation ?? checksumDefault(s, 'responseChecksumValidation'),
  }) as S3Settings;
  startupNotices(backend, resolved);
  return redactable(resolved);
}

/** Whether `endpointUrl` is a server other than AWS's own (MinIO, R2, Ceph, s3rver...). */
function isThirdPartyEndpoint(endpointUrl: string | undefined): boolean {
  if (!endpointUrl) return false;
  const host = new URL(endpointUrl).hostname;
  return !/(^|\.)amazonaws\.com(\.cn)?$/.test(host);
}

/**
 * R2, B2, MinIO and Ceph refuse the SDK's default checksum headers or aws-chunked bodies, and
 * s3rver stores the framing as the object: 'WHEN_REQUIRED' for them, unless the SDK's own
 * environment variable says otherwise (then the SDK reads it).
 */
function checksumDefault(
  settings: S3StorageOptions,
  option: 'requestChecksumCalculation' | 'responseChecksumValidation',
): 'WHEN_REQUIRED' | undefined {
  return isThirdPartyEndpoint(settings.endpointUrl) && !lookupEnv(row(option).globalNames)
    ? 'WHEN_REQUIRED'
    : undefined;
}

/**
 * django-storages' `lookup_env`: the first of `names` set to a non-empty value. The only read of
 * the process environment in the S3 backend; the SDK's own chain reads the rest.
 */
function lookupEnv(names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = process.env[name];
    if (value) return value;
  }
  return undefined;
}

/**
 * The conflicts django-storages checks in `__init__`, in its wording, with our setting names,
 * and what would fail at the first request. A value of the wrong type is left to its rule.
 */
function settingConflicts(backend: string, s: S3StorageOptions): string[] {
  const problems: string[] = [];
  if (typeof s.location === 'string' && s.location.startsWith('/')) {
    problems.push(
      `${backend}.location cannot begin with a leading slash. Found '${s.location}'. Use '${s.location.replace(/^\/+/, '')}' instead.`,
    );
  }
  if ((s.accessKey || s.secretKey) && s.sessionProfile) {
    problems.push(
      'AWS_S3_SESSION_PROFILE/sessionProfile should not be provided with AWS_S3_ACCESS_KEY_ID/accessKey and AWS_S3_SECRET_ACCESS_KEY/secretKey',
    );
  } else if (!s.accessKey !== !s.secretKey) {
    problems.push('AWS_S3_ACCESS_KEY_ID/accessKey and AWS_S3_SECRET_ACCESS_KEY/secretKey must be provided together.');
  }
  if (!s.cloudfrontKey !== !s.cloudfrontKeyId && s.cloudfrontSigner === undefined) {
    problems.push(
      'Both AWS_CLOUDFRONT_KEY_ID/cloudfrontKeyId and AWS_CLOUDFRONT_KEY/cloudfrontKey must be provided together.',
    );
  }
  if (typeof s.cloudfrontKey === 'string' || Buffer.isBuffer(s.cloudfrontKey)) {
    try {
      createPrivateKey(s.cloudfrontKey);
    } catch {
      problems.push(`${backend} setting 'cloudfrontKey' is not a PEM private key`);
    }
  }
  // As in django-storages, `clientConfig` replaces signatureVersion (and addressingStyle, proxies).
  const signatureVersion = s.clientConfig ? undefined : s.signatureVersion;
  if (signatureVersion === 's3') {
    problems.push(
      `${backend} setting 'signatureVersion' is 's3' (SigV2), which AWS SDK v3 cannot sign with: it signs only with SigV4. Use 's3v4'.`,
    );
  } else if (typeof signatureVersion === 'string' && signatureVersion !== 's3v4') {
    problems.push(`${backend} setting 'signatureVersion' must be 's3v4'`);
  }
  if (typeof s.verify === 'string' && s.verify && !s.client && !readable(s.verify)) {
    problems.push(`${backend} setting 'verify' names a CA bundle that cannot be read: ${s.verify}`);
  }
  const transfer = { ...TRANSFER_DEFAULTS, ...definedOptions(s.transferConfig ?? {}) };
  const part = Math.max(transfer.partSize, s.fileBufferSize ?? 0);
  if (Number.isInteger(transfer.memoryBudget) && Number.isInteger(part) && transfer.memoryBudget < part) {
    problems.push(
      `${backend} setting 'transferConfig.memoryBudget' (${transfer.memoryBudget} bytes) is smaller than one part ` +
        `(${part} bytes: the larger of transferConfig.partSize and fileBufferSize)`,
    );
  }
  if (!s.bucketName && !s.customDomain) {
    problems.push(
      `${backend} setting 'bucketName' (${row('bucketName').globalNames.join(', ')}) is not set; only a storage with customDomain that just builds URLs may go without`,
    );
  }
  return problems;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * What a storage says once when it is built, on Node's warning channel (`process.emitWarning`):
 * printed once on stderr by default, and seen by `process.on('warning')` listeners and
 * `--no-warnings` alike, without tying the backend to a logger.
 */
function startupNotices(backend: string, s: S3Settings): void {
  if (s.useThreads === false) {
    process.emitWarning(
      'The AWS_S3_USE_THREADS setting is deprecated. Use AWS_S3_TRANSFER_CONFIG to customize any of the transfer settings.',
      'DeprecationWarning',
    );
  }
  if (!s.bucketName) {
    process.emitWarning(
      `${backend} has no bucketName: it only builds URLs on ${s.customDomain}; reading, writing or listing files fails`,
      { code: 'NESTJS_STORAGES_NO_BUCKET' },
    );
  }
}

/** `settings`, frozen, showing its secrets as '[redacted]' to `util.inspect`, `console.log` and `JSON.stringify`. */
function redactable(settings: S3Settings): S3Settings {
  const redacted = () => {
    const copy: Record<string, unknown> = { ...settings };
    for (const { option, secret, secretKeys = [] } of S3_SETTINGS) {
      const value = copy[option];
      if (secret && value !== undefined) copy[option] = REDACTED;
      const hidden = secretKeys.filter((key) => typeof value === 'object' && value !== null && key in value);
      if (hidden.length) copy[option] = { ...value!, ...Object.fromEntries(hidden.map((key) => [key, REDACTED])) };
    }
    return copy;
  };
  Object.defineProperties(settings, {
    [inspect.custom]: { value: (_depth: number, options: object) => inspect(redacted(), options) },
    toJSON: { value: redacted },
  });
  return Object.freeze(settings);
}
