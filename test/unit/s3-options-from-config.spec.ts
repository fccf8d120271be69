import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { ImproperlyConfigured, S3Storage, s3OptionsFromConfig } from '../../lib/index.js';

describe('s3OptionsFromConfig', () => {
  it("reads every setting from Django's global names", () => {
    const options = s3OptionsFromConfig({
      AWS_S3_SESSION_PROFILE: undefined,
      AWS_STORAGE_BUCKET_NAME: 'media',
      AWS_S3_OBJECT_PARAMETERS: '{"CacheControl": "max-age=86400", "Metadata": {"a": "b"}}',
      AWS_DEFAULT_ACL: 'public-read',
      AWS_QUERYSTRING_AUTH: 'False',
      AWS_QUERYSTRING_EXPIRE: '600',
      AWS_S3_MAX_MEMORY_SIZE: '1048576',
      AWS_S3_URL_PROTOCOL: 'http:',
      AWS_S3_FILE_OVERWRITE: 'no',
      AWS_LOCATION: 'uploads',
      AWS_IS_GZIPPED: '1',
      GZIP_CONTENT_TYPES: 'text/css, text/javascript,application/json',
      AWS_S3_REGION_NAME: 'eu-west-1',
      AWS_S3_USE_SSL: 'yes',
      AWS_S3_VERIFY: 'False',
      AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9000',
      AWS_S3_ADDRESSING_STYLE: 'path',
      AWS_S3_PROXIES: '{"http": "proxy:3128"}',
      AWS_S3_TRANSFER_CONFIG: '{"multipart_chunksize": 16777216, "max_concurrency": 8, "multipart_threshold": 8388608}',
      AWS_S3_CUSTOM_DOMAIN: 'cdn.example.com',
      AWS_CLOUDFRONT_KEY_ID: 'K2JCJMDEHXQW5F',
      AWS_S3_SIGNATURE_VERSION: 's3v4',
      AWS_S3_USE_THREADS: 'true',
      AWS_S3_FILE_BUFFER_SIZE: '10485760',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_SUPPORTED',
    });
    expect(options).toEqual({
      bucketName: 'media',
      objectParameters: { CacheControl: 'max-age=86400', Metadata: { a: 'b' } },
      defaultAcl: 'public-read',
      querystringAuth: false,
      querystringExpire: 600,
      maxMemorySize: 1048576,
      urlProtocol: 'http:',
      fileOverwrite: false,
      location: 'uploads',
      gzip: true,
      gzipContentTypes: ['text/css', 'text/javascript', 'application/json'],
      regionName: 'eu-west-1',
      useSsl: true,
      verify: false,
      endpointUrl: 'http://127.0.0.1:9000',
      addressingStyle: 'path',
      proxies: { http: 'proxy:3128' },
      transferConfig: { partSize: 16777216, queueSize: 8, multipartThreshold: 8388608 },
      customDomain: 'cdn.example.com',
      cloudfrontKeyId: 'K2JCJMDEHXQW5F',
      signatureVersion: 's3v4',
      useThreads: true,
      fileBufferSize: 10485760,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_SUPPORTED',
    });
  });

  it('prefers AWS_S3_* over AWS_* names, and skips empty values', () => {
    expect(
      s3OptionsFromConfig({
        AWS_S3_ACCESS_KEY_ID: 'specific',
        AWS_ACCESS_KEY_ID: 'generic',
        AWS_S3_SECRET_ACCESS_KEY: '',
        AWS_SECRET_ACCESS_KEY: 'generic-secret',
        AWS_SECURITY_TOKEN: 'token',
      }),
    ).toEqual({ accessKey: 'specific', secretKey: 'generic-secret', securityToken: 'token' });
  });

  it('lets a session profile outrank the generic AWS_* keys (a conflict only with AWS_S3_* keys)', () => {
    expect(
      s3OptionsFromConfig({ AWS_S3_SESSION_PROFILE: 'dev', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }),
    ).toEqual({
      sessionProfile: 'dev',
    });
  });

  it('lets options given to it win over the global names', () => {
    expect(s3OptionsFromConfig({ AWS_LOCATION: 'a', AWS_STORAGE_BUCKET_NAME: 'b' }, { location: 'static' })).toEqual({
      bucketName: 'b',
      location: 'static',
    });
  });

  it('never throws: what does not convert is left out and reported by the storage, by variable name', () => {
    const options = s3OptionsFromConfig({
      AWS_STORAGE_BUCKET_NAME: 'media',
      AWS_QUERYSTRING_AUTH: 'maybe',
      AWS_QUERYSTRING_EXPIRE: 'an hour',
      AWS_S3_OBJECT_PARAMETERS: '{"SSECustomerKey": "s3cr3t"',
    });
    expect(options).toEqual(expect.objectContaining({ bucketName: 'media' }));
    expect(Object.keys(options)).toEqual(['bucketName']);
    let error: ImproperlyConfigured | undefined;
    try {
      new S3Storage(options);
    } catch (err) {
      error = err as ImproperlyConfigured;
    }
    expect(error).toBeInstanceOf(ImproperlyConfigured);
    expect(error!.violations).toEqual([
      'S3Storage setting \'objectParameters\' from AWS_S3_OBJECT_PARAMETERS must be a JSON object, such as {"CacheControl": "max-age=86400"}',
      "S3Storage setting 'querystringAuth' from AWS_QUERYSTRING_AUTH must be one of true/false/1/0/yes/no (got 'maybe')",
      "S3Storage setting 'querystringExpire' from AWS_QUERYSTRING_EXPIRE must be an integer (got 'an hour')",
    ]);
    expect(error!.message).not.toContain('s3cr3t');
  });

  it('drops the problem of a global name that an option given to it overrides', () => {
    const options = s3OptionsFromConfig(
      { AWS_STORAGE_BUCKET_NAME: 'media', AWS_QUERYSTRING_EXPIRE: 'abc' },
      { querystringExpire: 60 },
    );
    expect(new S3Storage(options).querystringExpire).toBe(60);
  });

  it('reads a ConfigService, typed values included', async () => {
    const app = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [
            () => ({
              AWS_STORAGE_BUCKET_NAME: 'from-config',
              AWS_QUERYSTRING_EXPIRE: 120,
              AWS_S3_FILE_OVERWRITE: 'false',
            }),
          ],
        }),
      ],
    }).compile();
    const options = s3OptionsFromConfig(app.get(ConfigService));
    expect(options).toEqual({ bucketName: 'from-config', querystringExpire: 120, fileOverwrite: false });
    expect(new S3Storage(options).querystringExpire).toBe(120);
    await app.close();
  });
});
