/**
 * Django's global settings for S3Storage, read from `ConfigService` or `process.env`: each
 * option from its global names in the settings table (first set wins: `AWS_S3_*` before
 * `AWS_*`), converted from text. A value that does not convert is left out and its problem is
 * carried on the result, so the storage built from it reports it with every other problem.
 */
import { S3_SETTINGS, type S3StorageOptions } from './s3-storage.options.js';
import type { S3SettingRow } from './s3-setting.decorator.js';

/** A global name whose text did not convert: which option, which name, what is wrong. */
export interface GlobalNameProblem {
  option: string;
  name: string;
  problem: string;
}

/**
 * Where `s3OptionsFromConfig` leaves the problems of its conversions. A registered symbol, so
 * one copy of the package sees what another made; enumerable, so a spread keeps it.
 */
const GLOBAL_NAME_PROBLEMS: unique symbol = Symbol.for('nestjs-storages.globalNameProblems') as never;

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

  const result: Record<string | symbol, unknown> = {};
  const problems: GlobalNameProblem[] = [];
  for (const setting of S3_SETTINGS) {
    for (const name of setting.globalNames) {
      if (profile && GENERIC_CREDENTIALS.includes(name)) continue;
      const raw = lookup(name);
      if (!present(raw)) continue;
      try {
        result[setting.option] = convert(raw, setting);
      } catch (err) {
        problems.push({ option: setting.option, name, problem: (err as Error).message });
      }
      break;
    }
  }
  Object.assign(result, options);
  // An option given here wins over its global names, so their text no longer matters.
  const unsettled = problems.filter(({ option }) => !(option in options));
  if (unsettled.length) result[GLOBAL_NAME_PROBLEMS] = unsettled;
  return result as S3StorageOptions;
}

/** The conversion problems `s3OptionsFromConfig` carried on `options`, if any. */
export function globalNameProblems(options: object): readonly GlobalNameProblem[] {
  return (options as { [GLOBAL_NAME_PROBLEMS]?: GlobalNameProblem[] })[GLOBAL_NAME_PROBLEMS] ?? [];
}

/** Python's `lookup_env`: unset and empty values do not count. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** The value of a global name's text, as the setting's row says; throws what is wrong, never a secret. */
function convert(raw: unknown, { from, secret }: S3SettingRow): unknown {
  if (typeof raw !== 'string') return raw; // a ConfigService may already hold typed values
  const text = raw.trim();
  const got = secret ? '' : ` (got '${text}')`;
  switch (from) {
    case 'string':
      return raw;
    case 'boolean-or-path':
      // AWS_S3_VERIFY: 'False' turns verification off, as the Python setting False does.
      if (FALSE.includes(text.toLowerCase())) return false;
      if (TRUE.includes(text.toLowerCase())) return true;
      return raw;
    case 'boolean':
      if (TRUE.includes(text.toLowerCase())) return true;
      if (FALSE.includes(text.toLowerCase())) return false;
      throw new Error(`must be one of true/false/1/0/yes/no${got}`);
    case 'integer':
      if (/^[+-]?\d+$/.test(text)) return Number(text);
      throw new Error(`must be an integer${got}`);
    case 'list':
      return text
        .replace(/^[([]|[)\]]$/g, '')
        .split(',')
        .map((item) => item.trim().replace(/^['"]|['"]$/g, ''))
        .filter(Boolean);
    case 'json':
    case 'transfer-config':
      try {
        const value: unknown = JSON.parse(text);
        return from === 'transfer-config' ? fromPythonTransferConfig(value) : value;
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
