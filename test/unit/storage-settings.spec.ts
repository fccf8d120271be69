/**
 * Invalid settings fail at start-up: every violation of every storage in one ImproperlyConfigured,
 * each naming its storage and setting, and never a secret's value.
 */
import { generateKeyPairSync } from 'node:crypto';
import { jest } from '@jest/globals';
import { Test } from '@nestjs/testing';
import {
  getStorageToken,
  ImproperlyConfigured,
  InMemoryStorage,
  S3StaticStorage,
  S3Storage,
  s3OptionsFromConfig,
  StorageModule,
  type S3StorageOptions,
  type StorageModuleOptions,
} from '../../lib/index.js';

const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEXAMPLETOKEN';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

async function startupError(options: StorageModuleOptions): Promise<ImproperlyConfigured> {
  try {
    const app = await Test.createTestingModule({ imports: [StorageModule.forRoot(options)] }).compile();
    await app.close();
  } catch (err) {
    expect(err).toBeInstanceOf(ImproperlyConfigured);
    const message = (err as Error).message;
    for (const secret of [SECRET, TOKEN, PEM, PEM.split('\n')[1]]) expect(message).not.toContain(secret);
    return err as ImproperlyConfigured;
  }
  throw new Error('the module started');
}

/** The start-up error for one S3 storage named `media`, with credentials that must never be printed. */
function s3Error(options: Record<string, unknown>): Promise<ImproperlyConfigured> {
  const base: S3StorageOptions = { bucketName: 'b', accessKey: 'AKIDEXAMPLE', secretKey: SECRET, securityToken: TOKEN };
  return startupError({ storages: { media: { backend: S3Storage, options: { ...base, ...options } } } });
}

describe('S3Storage settings checked at start-up', () => {
  it.each([
    [{ urlProtocol: 'https' }, "media: S3Storage setting 'urlProtocol' must end with ':'"],
    [{ addressingStyle: 'auto' }, "media: S3Storage setting 'addressingStyle' must be 'virtual' or 'path'"],
    [{ querystringExpire: 0 }, "media: S3Storage setting 'querystringExpire' must be at least 1 second"],
    [{ querystringExpire: -5 }, "media: S3Storage setting 'querystringExpire' must be at least 1 second"],
    [{ querystringExpire: 1.5 }, "media: S3Storage setting 'querystringExpire' must be an integer number of seconds"],
    [
      { querystringExpire: 604801 },
      "media: S3Storage setting 'querystringExpire' must be at most 604800 seconds (7 days, the SigV4 limit)",
    ],
    [
      { querystringExpire: '3600' },
      "media: S3Storage setting 'querystringExpire' must be an integer number of seconds",
    ],
    [
      { cloudfrontKeyId: 'K2JCJMDEHXQW5F' },
      'media: Both AWS_CLOUDFRONT_KEY_ID/cloudfrontKeyId and AWS_CLOUDFRONT_KEY/cloudfrontKey must be provided together.',
    ],
    [
      { cloudfrontKey: PEM },
      'media: Both AWS_CLOUDFRONT_KEY_ID/cloudfrontKeyId and AWS_CLOUDFRONT_KEY/cloudfrontKey must be provided together.',
    ],
    [
      { cloudfrontKey: 'not a key', cloudfrontKeyId: 'K1' },
      "media: S3Storage setting 'cloudfrontKey' is not a PEM private key",
    ],
    [
      { sessionProfile: 'dev' },
      'media: AWS_S3_SESSION_PROFILE/sessionProfile should not be provided with AWS_S3_ACCESS_KEY_ID/accessKey and AWS_S3_SECRET_ACCESS_KEY/secretKey',
    ],
    [{ bucket: 'typo' }, "media: Invalid setting 'bucket' for S3Storage"],
    [
      { location: '/media' },
      "media: S3Storage.location cannot begin with a leading slash. Found '/media'. Use 'media' instead.",
    ],
    [
      { signatureVersion: 's3' },
      "media: S3Storage setting 'signatureVersion' is 's3' (SigV2), which AWS SDK v3 cannot sign with",
    ],
    [{ defaultAcl: 'public' }, "media: S3Storage setting 'defaultAcl' must be a canned ACL"],
    [{ fileBufferSize: 1024 }, "media: S3Storage setting 'fileBufferSize' must be at least 5242880"],
    [{ endpointUrl: 'localhost:9000' }, "media: S3Storage setting 'endpointUrl' must be an http:// or https:// URL"],
    [
      { customDomain: 'https://cdn.example.com' },
      "media: S3Storage setting 'customDomain' must be a host name without a scheme",
    ],
    [{ customDomain: 'cdn.example.com/' }, "media: S3Storage setting 'customDomain' must not end with '/'"],
    [
      { objectParameters: { CacheControl: 'max-age=60', Acl: 'x' } },
      "media: S3Storage setting 'objectParameters' has unknown parameter 'Acl'",
    ],
    [{ transferConfig: { partSize: 1024 } }, "media: S3Storage setting 'transferConfig' must be an object of partSize"],
    [
      { requestChecksumCalculation: 'never' },
      "media: S3Storage setting 'requestChecksumCalculation' must be 'WHEN_SUPPORTED' or 'WHEN_REQUIRED'",
    ],
    [{ gzip: 'yes' }, "media: S3Storage setting 'gzip' must be a boolean"],
    [{ maxMemorySize: -1 }, "media: S3Storage setting 'maxMemorySize' must not be negative"],
    [
      { verify: '' },
      "media: S3Storage setting 'verify' must be false (no TLS verification) or the path of a CA bundle",
    ],
    [
      { cloudfrontSigner: {} },
      "media: S3Storage setting 'cloudfrontSigner' must be null (no signing) or an object with generatePresignedUrl",
    ],
  ])('%#: refused naming the storage and the setting', async (options, message) => {
    expect((await s3Error(options)).message).toContain(message);
  });

  it('only one of accessKey and secretKey is refused', async () => {
    const err = await startupError({ storages: { default: { backend: S3Storage, options: { secretKey: SECRET } } } });
    expect(err.message).toContain(
      'AWS_S3_ACCESS_KEY_ID/accessKey and AWS_S3_SECRET_ACCESS_KEY/secretKey must be provided together.',
    );
  });

  it('reports every violation of every storage at once, each with its storage name', async () => {
    const err = await startupError({
      storages: {
        default: {
          backend: S3Storage,
          options: { bucketName: 'b', urlProtocol: 'http', querystringExpire: 0, secretKey: SECRET, accessKey: 'AK' },
        },
        staticfiles: { backend: S3Storage, options: { bucketName: 'assets', addressingStyle: 'dns', colour: 'blue' } },
        memory: { backend: InMemoryStorage, options: { baseURL: '/media/' } },
        broken: { backend: Object as never },
      },
    });
    expect(err.violations).toEqual(
      expect.arrayContaining([
        "default: S3Storage setting 'urlProtocol' must end with ':', such as 'https:'",
        "default: S3Storage setting 'querystringExpire' must be at least 1 second",
        "staticfiles: Invalid setting 'colour' for S3Storage",
        "staticfiles: S3Storage setting 'addressingStyle' must be 'virtual' or 'path'",
        "memory: Invalid setting 'baseURL' for InMemoryStorage",
        "broken: 'backend' must be a class extending Storage, such as S3Storage",
      ]),
    );
    expect(err.message).toMatch(/^Invalid storage settings \(6\):/);
  });

  it('names a subclass in its messages, as django-storages names the class', async () => {
    class MediaStorage extends S3Storage {}
    const err = await startupError({
      storages: { default: { backend: MediaStorage, options: { bucketName: 'b', colour: 'blue' } } },
    });
    expect(err.message).toContain("Invalid setting 'colour' for MediaStorage");
  });

  it('reports rules, global names that did not convert and conflicts of every storage together', async () => {
    const fromEnvironment = s3OptionsFromConfig({
      AWS_STORAGE_BUCKET_NAME: 'media',
      AWS_QUERYSTRING_EXPIRE: 'abc',
      AWS_S3_FILE_OVERWRITE: 'maybe',
      AWS_S3_OBJECT_PARAMETERS: `{"SSECustomerKey": "${SECRET}"`,
      AWS_S3_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: TOKEN,
    });
    const err = await startupError({
      storages: {
        default: {
          backend: S3Storage,
          // A spread keeps what s3OptionsFromConfig found wrong.
          options: { ...fromEnvironment, urlProtocol: 'http', location: '/media', cloudfrontKey: PEM },
        },
        staticfiles: {
          backend: S3StaticStorage,
          options: { addressingStyle: 'dns', sessionProfile: 'dev', accessKey: 'AK' },
        },
      },
    });
    expect(err.violations).toEqual([
      "default: S3Storage setting 'urlProtocol' must end with ':', such as 'https:'",
      'default: S3Storage setting \'objectParameters\' from AWS_S3_OBJECT_PARAMETERS must be a JSON object, such as {"CacheControl": "max-age=86400"}',
      "default: S3Storage setting 'querystringExpire' from AWS_QUERYSTRING_EXPIRE must be an integer (got 'abc')",
      "default: S3Storage setting 'fileOverwrite' from AWS_S3_FILE_OVERWRITE must be one of true/false/1/0/yes/no (got 'maybe')",
      "default: S3Storage.location cannot begin with a leading slash. Found '/media'. Use 'media' instead.",
      'default: AWS_S3_ACCESS_KEY_ID/accessKey and AWS_S3_SECRET_ACCESS_KEY/secretKey must be provided together.',
      'default: Both AWS_CLOUDFRONT_KEY_ID/cloudfrontKeyId and AWS_CLOUDFRONT_KEY/cloudfrontKey must be provided together.',
      "staticfiles: S3StaticStorage setting 'addressingStyle' must be 'virtual' or 'path'",
      'staticfiles: AWS_S3_SESSION_PROFILE/sessionProfile should not be provided with AWS_S3_ACCESS_KEY_ID/accessKey and AWS_S3_SECRET_ACCESS_KEY/secretKey',
      "staticfiles: S3StaticStorage setting 'bucketName' (AWS_STORAGE_BUCKET_NAME) is not set; only a storage with customDomain that just builds URLs may go without",
    ]);
  });

  it('refuses a storage without bucketName, naming the setting', async () => {
    const err = await startupError({ storages: { default: { backend: S3Storage, options: {} } } });
    expect(err.message).toBe(
      "Invalid storage settings: default: S3Storage setting 'bucketName' (AWS_STORAGE_BUCKET_NAME) is not set; only a storage with customDomain that just builds URLs may go without",
    );
  });

  it('lets a storage without bucketName build custom-domain URLs, saying so once at start-up', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const app = await Test.createTestingModule({
        imports: [
          StorageModule.forRoot({
            storages: { default: { backend: S3Storage, options: { customDomain: 'cdn.example.com' } } },
          }),
        ],
      }).compile();
      expect(await app.get<S3Storage>(getStorageToken()).url('a.txt')).toBe('https://cdn.example.com/a.txt');
      await app.close();
      expect(emitWarning.mock.calls).toEqual([
        [
          'S3Storage has no bucketName: it only builds URLs on cdn.example.com; reading, writing or listing files fails',
          { code: 'NESTJS_STORAGES_NO_BUCKET' },
        ],
      ]);
    } finally {
      emitWarning.mockRestore();
    }
  });

  it('reports two invalid storages together when nothing else is wrong', async () => {
    const err = await startupError({
      storages: {
        default: { backend: S3Storage, options: {} },
        staticfiles: { backend: S3StaticStorage, options: { bucketName: 'b', urlProtocol: 'http' } },
      },
    });
    expect(err.violations).toEqual([
      "default: S3Storage setting 'bucketName' (AWS_STORAGE_BUCKET_NAME) is not set; only a storage with customDomain that just builds URLs may go without",
      "staticfiles: S3StaticStorage setting 'urlProtocol' must end with ':', such as 'https:'",
    ]);
  });

  it('never builds a storage whose token a test overrides, so its settings do not matter there', async () => {
    const memory = new InMemoryStorage();
    const app = await Test.createTestingModule({
      imports: [StorageModule.forRoot({ storages: { default: { backend: S3Storage, options: {} } } })],
    })
      .overrideProvider(getStorageToken())
      .useValue(memory)
      .compile();
    expect(app.get(getStorageToken())).toBe(memory);
    await app.close();
  });

  it('rejects invalid options in the constructor too, without the module', () => {
    expect(() => new S3Storage({ urlProtocol: 'http' })).toThrow(ImproperlyConfigured);
    expect(() => new S3Storage({ urlProtocol: 'http' })).toThrow("S3Storage setting 'urlProtocol' must end with ':'");
  });
});
