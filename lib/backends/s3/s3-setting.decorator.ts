/**
 * `@S3Setting()`: the settings table of S3Storage, one row per option, declared on the option
 * itself beside its class-validator rules. Everything else about settings is derived from these
 * rows: the defaults, what `s3OptionsFromConfig` reads, what the storage takes from the process
 * environment, which values are redacted, and the README's settings table.
 */

/** How the text of a global name (an environment variable) becomes the option's value. */
export type TextConversion =
  | 'string'
  | 'boolean'
  | 'integer'
  | 'list'
  | 'json'
  /** `'false'` / `'true'` as booleans, any other text as a path (AWS_S3_VERIFY). */
  | 'boolean-or-path'
  /** JSON, with boto3's `TransferConfig` names accepted (AWS_S3_TRANSFER_CONFIG). */
  | 'transfer-config';

/** What one row of the table says about an option. */
export interface S3SettingSpec {
  /** django-storages' name of the setting, when it has one. */
  django?: string;
  /** Global names `s3OptionsFromConfig` reads, in lookup order (first set wins); none: options only. */
  globalNames?: readonly string[];
  /** How the text of a global name converts. Default `'string'`. */
  from?: TextConversion;
  /** The value when nothing sets it (`S3Storage.defaults`); subclasses may override it. */
  default?: unknown;
  /** A secret: its value is never printed, neither in errors nor when the settings are inspected. */
  secret?: boolean;
  /** For an object setting: the keys whose values are secrets, redacted as a secret setting is. */
  secretKeys?: readonly string[];
  /**
   * Names the storage reads from the process environment itself when the option is not given
   * (django-storages' `lookup_env`, for credentials only).
   */
  environment?: readonly string[];
  /** Deprecated by django-storages; still honoured. */
  deprecated?: boolean;
  /** What the value alone does not say about the default or the accepted values (README). */
  note?: string;
}

/** One row of the table, as the rest of the package reads it. */
export interface S3SettingRow extends Readonly<S3SettingSpec> {
  readonly option: string;
  readonly globalNames: readonly string[];
  readonly from: TextConversion;
  readonly secret: boolean;
  readonly environment: readonly string[];
}

const tables = new WeakMap<object, S3SettingRow[]>();

/** Declares the option's row of the settings table (see `S3SettingSpec`). */
export function S3Setting(spec: S3SettingSpec = {}): PropertyDecorator {
  return (prototype, property) => {
    const rows = tables.get(prototype) ?? [];
    tables.set(prototype, rows);
    rows.push(
      Object.freeze({
        ...spec,
        option: String(property),
        globalNames: Object.freeze([...(spec.globalNames ?? [])]),
        from: spec.from ?? 'string',
        secret: spec.secret ?? false,
        environment: Object.freeze([...(spec.environment ?? [])]),
      }),
    );
  };
}

/** The rows an options class declares, its base classes' first, in declaration order. */
export function s3SettingsOf(dto: abstract new () => object): readonly S3SettingRow[] {
  const rows: S3SettingRow[] = [];
  for (let prototype = dto.prototype as object | null; prototype; prototype = Object.getPrototypeOf(prototype)) {
    rows.unshift(...(tables.get(prototype) ?? []));
  }
  return rows;
}
