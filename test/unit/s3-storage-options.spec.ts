/**
 * S3Storage refuses bad settings in its constructor, as django-storages' `__init__` does: every
 * class-validator rule of S3StorageOptions, the conflicts between settings, unknown keys. Each
 * message names the setting and never carries the value (it may be a secret).
 */
import { generateKeyPairSync } from 'node:crypto';
import { format, inspect } from 'node:util';
import { getMetadataStorage, validateSync } from 'class-validator';
import { S3_SETTINGS } from '../../lib/backends/s3/s3-storage.options.js';
import { ImproperlyConfigured, S3Storage, S3StorageOptions } from '../../lib/index.js';
import { restoreEnv, setEnv } from '../support/environment.js';

afterEach(restoreEnv);

/** The error of a storage of bucket 'media' with `options`. */
function refusal(options: object): ImproperlyConfigured {
  try {
    new S3Storage({ bucketName: 'media', ...options } as S3StorageOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(ImproperlyConfigured);
    return err as ImproperlyConfigured;
  }
  throw new Error(`accepted ${Object.keys(options).join(', ')}`);
}

// One bad value per rule: [setting, value, rule it breaks]. Values are distinctive, so their
// absence from the message is meaningful.
const RULES: [keyof S3StorageOptions, unknown, string][] = [
  ['sessionProfile', 424242, 'isString'],
  ['accessKey', 424243, 'isString'],
  ['secretKey', 424244, 'isString'],
  ['securityToken', 424245, 'isString'],
  ['bucketName', 424246, 'isString'],
  ['bucketName', 'my SECRET-bucket', 'matches'],
  ['objectParameters', 'SECRET-OBJECT-PARAMETERS', 'isObject'],
  ['objectParameters', { SSECustomerKey: 'SECRET-SSE-KEY', Bogus: 1 }, 'keysIn'],
  ['defaultAcl', 'SECRET-ACL', 'isIn'],
  ['querystringAuth', 'SECRET-YES', 'isBoolean'],
  ['querystringExpire', 36000.125, 'isInt'],
  ['querystringExpire', -36000, 'min'],
  ['querystringExpire', 604801, 'max'],
  ['maxMemorySize', 10240.125, 'isInt'],
  ['maxMemorySize', -40960, 'min'],
  ['urlProtocol', 424247, 'isString'],
  ['urlProtocol', 'SECRET-https', 'matches'],
  ['fileOverwrite', 'SECRET-NO', 'isBoolean'],
  ['location', 424248, 'isString'],
  ['gzip', 'SECRET-ON', 'isBoolean'],
  ['gzipContentTypes', [424249], 'isString'],
  ['regionName', 424250, 'isString'],
  ['useSsl', 'SECRET-FALSE', 'isBoolean'],
  ['verify', 424251, 'isFalseOrPath'],
  ['endpointUrl', 'ftp://SECRET-host.test', 'isHttpUrl'],
  ['addressingStyle', 'SECRET-auto', 'isIn'],
  ['proxies', { http: 424252 }, 'isStringMap'],
  ['transferConfig', { partSize: 424253 }, 'isTransferConfig'],
  ['customDomain', 424254, 'isString'],
  ['customDomain', 'https://SECRET-host.test', 'notContains'],
  ['customDomain', 'SECRET-host.test/', 'matches'],
  ['cloudfrontKey', 424255, 'isStringOrBuffer'],
  ['cloudfrontKeyId', 424256, 'isString'],
  ['cloudfrontSigner', { sign: 'SECRET-SIGNER' }, 'isCloudFrontSigner'],
  ['signatureVersion', 424257, 'isString'],
  ['clientConfig', 'SECRET-CONFIG', 'isObject'],
  ['useThreads', 'SECRET-TRUE', 'isBoolean'],
  ['fileBufferSize', 5242880.5, 'isInt'],
  ['fileBufferSize', 1048577, 'min'],
  ['requestChecksumCalculation', 'SECRET-ALWAYS', 'isIn'],
  ['responseChecksumValidation', 'SECRET-ALWAYS', 'isIn'],
  ['client', { secret: 'SECRET-CLIENT' }, 'isS3Client'],
];

describe('every rule of S3StorageOptions', () => {
  test.each(RULES)('%s = %p is refused by name, without the value (%s)', (setting, value) => {
    const error = refusal({ [setting]: value });
    expect(error.violations.some((line) => line.startsWith(`S3Storage setting '${setting}' `))).toBe(true);
    const values = JSON.stringify(value).match(/SECRET[\w-]*|-?\d{5,}(\.\d+)?/g);
    expect(values).not.toBeNull();
    for (const shown of values!) expect(error.message).not.toContain(shown);
  });

  test('the table above breaks every rule the DTO declares', () => {
    const declared = getMetadataStorage()
      .getTargetValidationMetadatas(S3StorageOptions, '', true, false)
      .filter((rule) => rule.type === 'customValidation')
      .map((rule) => `${rule.propertyName}:${rule.name}`);
    const broken = RULES.flatMap(([setting, value]) =>
      validateSync(Object.assign(new S3StorageOptions(), { [setting]: value })).flatMap((error) =>
        Object.keys(error.constraints ?? {}).map((rule) => `${error.property}:${rule}`),
      ),
    );
    expect(new Set(broken)).toEqual(new Set(declared));
  });

  test('an unknown objectParameters key is named, its value is not', () => {
    const error = refusal({ objectParameters: { CacheControl: 'max-age=60', ContentMD5: 'SECRET-MD5' } });
    expect(error.message).toContain("S3Storage setting 'objectParameters' has unknown parameter 'ContentMD5'");
    expect(error.message).not.toContain('SECRET-MD5');
  });

  test('every problem is reported at once', () => {
    const error = refusal({ querystringExpire: 0, addressingStyle: 'auto', bogus: 1 });
    expect(error.violations).toHaveLength(3);
  });
});

describe('unknown settings', () => {
  test("are refused as django-storages does: Invalid setting 'x' for S3Storage", () => {
    expect(refusal({ bucket: 'media' }).message).toBe("Invalid setting 'bucket' for S3Storage");
  });

  test('name the subclass that refused them', () => {
    class MediaStorage extends S3Storage {}
    expect(
      () => new MediaStorage({ bucketName: 'media', securityTokenIgnoreEnviron: true } as S3StorageOptions),
    ).toThrow("Invalid setting 'securityTokenIgnoreEnviron' for MediaStorage");
  });
});

describe('credential settings', () => {
  const profileConflict =
    'AWS_S3_SESSION_PROFILE/sessionProfile should not be provided with AWS_S3_ACCESS_KEY_ID/accessKey and AWS_S3_SECRET_ACCESS_KEY/secretKey';

  test('sessionProfile with keys is ImproperlyConfigured, in the reference wording', () => {
    const error = refusal({ sessionProfile: 'media', accessKey: 'AKIA', secretKey: 'SECRET-KEY-VALUE' });
    expect(error.message).toBe(profileConflict);
  });

  test('sessionProfile with a key from AWS_S3_ACCESS_KEY_ID is refused too', () => {
    setEnv({ AWS_S3_ACCESS_KEY_ID: 'AKIA', AWS_S3_SECRET_ACCESS_KEY: 'SECRET-KEY-VALUE' });
    expect(refusal({ sessionProfile: 'media' }).message).toBe(profileConflict);
  });

  test('AWS_S3_SESSION_PROFILE with keys in the options is refused', () => {
    setEnv({ AWS_S3_SESSION_PROFILE: 'media' });
    expect(refusal({ accessKey: 'AKIA', secretKey: 'SECRET-KEY-VALUE' }).message).toBe(profileConflict);
  });

  test('a session profile outranks the generic AWS_ACCESS_KEY_ID (the SDK chain is not asked)', () => {
    setEnv({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'SECRET-KEY-VALUE' });
    expect(() => new S3Storage({ bucketName: 'media', sessionProfile: 'media' })).not.toThrow();
  });

  test.each([
    [{ accessKey: 'AKIA' }, {}],
    [{ secretKey: 'SECRET-KEY-VALUE' }, {}],
    [{}, { AWS_S3_SECRET_ACCESS_KEY: 'SECRET-KEY-VALUE' }],
  ])('only one of accessKey and secretKey (%p, env %p) is refused', (options, env) => {
    setEnv(env);
    const error = refusal(options);
    expect(error.message).toBe(
      'AWS_S3_ACCESS_KEY_ID/accessKey and AWS_S3_SECRET_ACCESS_KEY/secretKey must be provided together.',
    );
    expect(error.message).not.toContain('SECRET-KEY-VALUE');
  });

  test('an access key from the options and a secret from AWS_S3_SECRET_ACCESS_KEY make a pair', async () => {
    setEnv({ AWS_S3_SECRET_ACCESS_KEY: 'env-secret' });
    const storage = new S3Storage({ bucketName: 'media', accessKey: 'AKIA' });
    expect(await storage.client.config.credentials()).toMatchObject({
      accessKeyId: 'AKIA',
      secretAccessKey: 'env-secret',
    });
  });
});

describe('signatureVersion', () => {
  test("'s3' is ImproperlyConfigured, explaining that SDK v3 signs only with SigV4", () => {
    const { message } = refusal({ signatureVersion: 's3' });
    expect(message).toContain("S3Storage setting 'signatureVersion' is 's3'");
    expect(message).toMatch(/SDK v3 .*signs only with SigV4/);
  });

  test.each(['s3v2', 'v4', 'S3V4', ''])("'%s' is refused", (signatureVersion) => {
    expect(refusal({ signatureVersion }).message).toBe("S3Storage setting 'signatureVersion' must be 's3v4'");
  });

  test("'s3v4' is accepted", () => {
    expect(() => new S3Storage({ bucketName: 'media', signatureVersion: 's3v4' })).not.toThrow();
  });

  test('is ignored when clientConfig is given, as django-storages ignores it', () => {
    expect(() => new S3Storage({ bucketName: 'media', signatureVersion: 's3', clientConfig: {} })).not.toThrow();
  });
});

describe('verify', () => {
  test('a CA bundle that cannot be read is ImproperlyConfigured naming verify', () => {
    const error = refusal({ verify: '/nonexistent/ca-bundle.pem' });
    expect(error.message).toBe(
      "S3Storage setting 'verify' names a CA bundle that cannot be read: /nonexistent/ca-bundle.pem",
    );
  });

  test.each([false, true])('%p is accepted', (verify) => {
    expect(() => new S3Storage({ bucketName: 'media', verify })).not.toThrow();
  });
});

describe('secrets', () => {
  const pem = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

  test('are never shown when the storage or its settings are printed, and stay readable', async () => {
    const storage = new S3Storage({
      bucketName: 'media',
      accessKey: 'AKIA',
      secretKey: 'SECRET-KEY-VALUE',
      securityToken: 'SECRET-TOKEN-VALUE',
      customDomain: 'cdn.example.com',
      cloudfrontKeyId: 'K1',
      cloudfrontKey: pem,
      objectParameters: { SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'SECRET-SSE-C-KEY' },
    });
    await storage.client.config.credentials();
    for (const shown of [
      inspect(storage, { depth: 10 }),
      inspect(storage.settings),
      format('%o', storage.settings),
      JSON.stringify(storage.settings),
    ]) {
      expect(shown).not.toContain('SECRET-');
      expect(shown).not.toContain(pem.split('\n')[1]);
    }
    expect(inspect(storage.settings)).toContain("secretKey: '[redacted]'");
    expect(inspect(storage.settings)).toContain("SSECustomerKey: '[redacted]'");
    expect(storage.settings).toMatchObject({ secretKey: 'SECRET-KEY-VALUE', securityToken: 'SECRET-TOKEN-VALUE' });
    expect(Object.isFrozen(storage.settings)).toBe(true);
  });

  test('are the ones the settings table marks secret', () => {
    expect(S3_SETTINGS.filter((row) => row.secret).map((row) => row.option)).toEqual([
      'secretKey',
      'securityToken',
      'cloudfrontKey',
    ]);
    expect(S3_SETTINGS.filter((row) => row.secretKeys).map((row) => [row.option, row.secretKeys])).toEqual([
      ['objectParameters', ['SSECustomerKey']],
    ]);
  });
});

describe('environment', () => {
  test("keys given as options take the environment's session token, as django-storages' lookup_env", async () => {
    setEnv({ AWS_SECURITY_TOKEN: 'LEGACY-TOKEN' });
    const storage = new S3Storage({ bucketName: 'media', accessKey: 'AKIA', secretKey: 'secret' });
    expect(await storage.client.config.credentials()).toMatchObject({ sessionToken: 'LEGACY-TOKEN' });
    setEnv({ AWS_SESSION_TOKEN: 'SESSION-TOKEN' });
    const second = new S3Storage({ bucketName: 'media', accessKey: 'AKIA', secretKey: 'secret' });
    expect(await second.client.config.credentials()).toMatchObject({ sessionToken: 'SESSION-TOKEN' });
  });

  test('a securityToken option outranks the environment', async () => {
    setEnv({ AWS_SESSION_TOKEN: 'SESSION-TOKEN' });
    const storage = new S3Storage({
      bucketName: 'media',
      accessKey: 'AKIA',
      secretKey: 'secret',
      securityToken: 'MINE',
    });
    expect(await storage.client.config.credentials()).toMatchObject({ sessionToken: 'MINE' });
  });
});
