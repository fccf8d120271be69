/**
 * url() and uploadUrl() as strings: custom-domain and CloudFront URLs pinned literally, SigV4
 * presigned URLs compared with the SDK's own getSignedUrl, and the rules of django-storages'
 * url() (reference §4.9). Nothing here talks to a server; test/integration/urls.spec.ts does.
 */
import { createPrivateKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { jest } from '@jest/globals';
import {
  DeleteObject$,
  DeleteObjectCommand,
  GetObject$,
  GetObjectCommand,
  HeadObject$,
  HeadObjectCommand,
  PutObject$,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  S3StaticStorage,
  S3Storage,
  SuspiciousOperation,
  type CloudFrontSigner,
  type S3StorageOptions,
} from '../../lib/index.js';
import { S3Presigner } from '../../lib/backends/s3/s3-presigner.js';

const credentials = { accessKey: 'AKIDEXAMPLE', secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
/** An S3-compatible server on a port (path style, checksums only when required). */
const local: S3StorageOptions = { ...credentials, bucketName: 'media', endpointUrl: 'http://127.0.0.1:9000' };
/** AWS itself, in a region (virtual-host style, the SDK's default checksums). */
const aws: S3StorageOptions = { ...credentials, bucketName: 'media', regionName: 'eu-west-1' };

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

function query(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

describe('custom domain', () => {
  const storage = new S3Storage({ customDomain: 'cdn.example.com' });

  test('encodes the key as Django filepath_to_uri does', async () => {
    expect(await storage.url("my file+1 ã&=~!*()'#?.txt")).toBe(
      "https://cdn.example.com/my%20file%2B1%20%C3%A3%26%3D~!*()'%23%3F.txt",
    );
    expect(await storage.url('dir/a%20b.txt')).toBe('https://cdn.example.com/dir/a%2520b.txt');
  });

  test('encodes parameters as urlencode (quote_plus) does, in order', async () => {
    expect(await storage.url('a.txt', { parameters: { v: 10, x: 'a b&c' } })).toBe(
      'https://cdn.example.com/a.txt?v=10&x=a+b%26c',
    );
    expect(await storage.url('a.txt', { parameters: { s: "*~!'()" } })).toBe(
      'https://cdn.example.com/a.txt?s=%2A~%21%27%28%29',
    );
  });

  test('keeps a port and a path prefix, uses urlProtocol and location, needs no bucket', async () => {
    const prefixed = new S3Storage({
      customDomain: 'cdn.example.com:8443/prefix',
      urlProtocol: 'http:',
      location: 'media',
    });
    expect(await prefixed.url('d/a b.txt')).toBe('http://cdn.example.com:8443/prefix/media/d/a%20b.txt');
  });

  test('ignores httpMethod and does not sign without a CloudFront signer', async () => {
    expect(await storage.url('a.txt', { httpMethod: 'PUT', expire: 10 })).toBe('https://cdn.example.com/a.txt');
  });

  test('refuses a name that escapes location', async () => {
    const located = new S3Storage({ customDomain: 'cdn.example.com', location: 'media' });
    await expect(located.url('../secret.txt')).rejects.toThrow(SuspiciousOperation);
  });
});

describe('CloudFront signed URLs', () => {
  // Half a second past the full second: botocore truncates the epoch, the SDK's signer rounds it.
  const now = Date.UTC(2030, 0, 1, 0, 0, 0, 700);
  const epoch = Date.UTC(2030, 0, 1) / 1000;

  beforeEach(() => jest.useFakeTimers({ now, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  function signed(options: S3StorageOptions = {}) {
    return new S3Storage({
      bucketName: 'media',
      customDomain: 'mock.cloudfront.net',
      cloudfrontKey: privateKey,
      cloudfrontKeyId: 'test-key',
      ...options,
    });
  }

  /** The canned policy CloudFront checks, and whether the URL's signature is the key's. */
  function verify(url: string): { resource: string; expires: number } {
    const match = /^(.*)[?&]Expires=(\d+)&Signature=([A-Za-z0-9~_-]+)&Key-Pair-Id=test-key$/.exec(url);
    expect(match).not.toBeNull();
    const [, resource, expires, signature] = match!;
    const policy = `{"Statement":[{"Resource":"${resource}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
    const base64 = signature.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/');
    expect(createVerify('RSA-SHA1').update(policy).verify(publicKey, base64, 'base64')).toBe(true);
    return { resource, expires: Number(expires) };
  }

  test('signs a canned policy until now + querystringExpire, in whole seconds as botocore', async () => {
    const url = await signed().url('file.txt');
    expect(url).toMatch(/^https:\/\/mock\.cloudfront\.net\/file\.txt\?Expires=1893459600\d*&Signature=/);
    expect(verify(url)).toEqual({ resource: 'https://mock.cloudfront.net/file.txt', expires: epoch + 3600 });
  });

  test('appends to an existing query with & and honours expire', async () => {
    const url = await signed().url('dir/my file.txt', { parameters: { version: 10 }, expire: 60 });
    expect(url.startsWith('https://mock.cloudfront.net/dir/my%20file.txt?version=10&Expires=')).toBe(true);
    expect(verify(url)).toEqual({
      resource: 'https://mock.cloudfront.net/dir/my%20file.txt?version=10',
      expires: epoch + 60,
    });
  });

  test('signs the URL exactly as built, whatever characters the name has', async () => {
    const url = await signed().url("my file+1 ã&=~!*()'#?.txt");
    expect(verify(url).resource).toBe("https://mock.cloudfront.net/my%20file%2B1%20%C3%A3%26%3D~!*()'%23%3F.txt");
  });

  test('does not sign without querystringAuth, nor with cloudfrontSigner null', async () => {
    expect(await signed({ querystringAuth: false }).url('a.txt')).toBe('https://mock.cloudfront.net/a.txt');
    expect(await signed({ cloudfrontSigner: null }).url('a.txt')).toBe('https://mock.cloudfront.net/a.txt');
  });

  test('uses a custom signer as given, with the expiry date', async () => {
    const calls: [string, Date][] = [];
    const signer: CloudFrontSigner = {
      generatePresignedUrl: (url, date) => (calls.push([url, date]), `${url}#signed`),
    };
    const storage = new S3Storage({ bucketName: 'media', customDomain: 'cdn.example.com', cloudfrontSigner: signer });
    expect(await storage.url('a b.txt', { expire: 30 })).toBe('https://cdn.example.com/a%20b.txt#signed');
    expect(calls).toEqual([['https://cdn.example.com/a%20b.txt', new Date(now + 30_000)]]);
  });

  const pkcs8 = createPrivateKey(privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();

  test.each([
    ['a PKCS#1 PEM in a Buffer', Buffer.from(privateKey)],
    ['a PKCS#8 PEM string', pkcs8],
    ['a PKCS#8 PEM in a Buffer', Buffer.from(pkcs8)],
  ])('signs with %s as cloudfrontKey, as with the PKCS#1 string', async (_, cloudfrontKey) => {
    expect(privateKey).toContain('BEGIN RSA PRIVATE KEY');
    expect(pkcs8).toContain('BEGIN PRIVATE KEY');
    const url = await signed({ cloudfrontKey }).url('file.txt');
    expect(verify(url)).toEqual({ resource: 'https://mock.cloudfront.net/file.txt', expires: epoch + 3600 });
    expect(url).toBe(await signed().url('file.txt'));
  });

  test('caches one signer per key id and key', () => {
    expect(signed().cloudfrontSigner).toBe(signed({ location: 'other' }).cloudfrontSigner);
    expect(signed().cloudfrontSigner).not.toBe(signed({ cloudfrontKeyId: 'other-key' }).cloudfrontSigner);
  });
});

describe('presigned URLs', () => {
  const signingDate = new Date('2030-01-02T03:04:05Z');
  const key = "dir/a b+c!*()'~ã%.txt";

  test.each([
    ['path style on a port', local],
    [
      'virtual host on AWS',
      { ...aws, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' },
    ],
    [
      'path style on AWS',
      {
        ...aws,
        addressingStyle: 'path',
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      },
    ],
    ['with a session token', { ...local, securityToken: 'token/with+special=' }],
  ] as [string, S3StorageOptions][])('are the URLs getSignedUrl makes: %s', async (_, options) => {
    const storage = new S3Storage(options);
    const presigner = new S3Presigner(storage.client, 'media');
    const cases = [
      ['GET', GetObjectCommand, {}],
      [
        'GET',
        GetObjectCommand,
        { ResponseContentDisposition: 'attachment; filename="a b.txt"', ResponseContentType: 'text/plain' },
      ],
      ['GET', GetObjectCommand, { VersionId: 'v1', PartNumber: 1, Range: 'bytes=0-9' }],
      ['PUT', PutObjectCommand, {}],
      ['PUT', PutObjectCommand, { ContentType: 'text/plain', ACL: 'public-read', Metadata: { a: 'b' } }],
      ['HEAD', HeadObjectCommand, {}],
      ['DELETE', DeleteObjectCommand, {}],
    ] as const;
    for (const [method, Command, parameters] of cases) {
      const ours = await presigner.presign(method, key, parameters, { expiresIn: 900, signingDate });
      const sdk = await getSignedUrl(
        storage.client,
        new (Command as typeof GetObjectCommand)({ ...parameters, Bucket: 'media', Key: key } as never),
        {
          expiresIn: 900,
          signingDate,
        },
      );
      expect(ours).toBe(sdk);
    }
    await storage.close();
  });

  test('the directly signed query follows the second, the expiry and the credentials it was made for', async () => {
    const storage = new S3Storage(local);
    const presigner = new S3Presigner(storage.client, 'media');
    const cases: [Date, number, string][] = [
      [signingDate, 900, key],
      [new Date(signingDate.getTime() + 999), 900, 'x%2Fy/%25'],
      [new Date(signingDate.getTime() + 1000), 900, key],
      [new Date(signingDate.getTime() + 1000), 60, key],
      [new Date(signingDate.getTime() + 86_400_000), 60, 'next/day.txt'],
    ];
    for (const [date, expiresIn, name] of cases) {
      const ours = await presigner.presign('GET', name, {}, { expiresIn, signingDate: date });
      const sdk = await getSignedUrl(storage.client, new GetObjectCommand({ Bucket: 'media', Key: name }), {
        expiresIn,
        signingDate: date,
      });
      expect(ours).toBe(sdk);
    }
    // Other credentials sign with their own id and key.
    const rotated = new S3Storage({ ...local, accessKey: 'OTHER', secretKey: 'other-secret' });
    const signer = new S3Presigner(rotated.client, 'media');
    expect(await signer.presign('GET', key, {}, { expiresIn: 900, signingDate })).toBe(
      await getSignedUrl(rotated.client, new GetObjectCommand({ Bucket: 'media', Key: key }), {
        expiresIn: 900,
        signingDate,
      }),
    );
    await Promise.all([storage.close(), rotated.close()]);
  });

  test('a GET or HEAD with no parameters is signed directly: the serializer runs once per method, not per URL', async () => {
    const storage = new S3Storage(local);
    const presigner = new S3Presigner(storage.client, 'media');
    const protocol = storage.client.config.protocol as unknown as { serializeRequest: (...args: unknown[]) => unknown };
    const serialize = jest.spyOn(protocol, 'serializeRequest');
    for (const method of ['GET', 'HEAD']) {
      for (let i = 0; i < 5; i++) {
        const ours = await presigner.presign(method, `${key}${i}`, {}, { expiresIn: 900, signingDate });
        const Command = method === 'GET' ? GetObjectCommand : HeadObjectCommand;
        const sdk = await getSignedUrl(storage.client, new Command({ Bucket: 'media', Key: `${key}${i}` }), {
          expiresIn: 900,
          signingDate,
        });
        expect(ours).toBe(sdk);
      }
    }
    // getSignedUrl serializes through its own middleware stack; ours once per method (the schema's
    // probe and the sample key), never per URL.
    const keys = serialize.mock.calls.map(([, input]) => (input as { Key: string }).Key);
    expect(keys.filter((key) => key === 'k')).toHaveLength(2);
    expect(keys.filter((key) => key === 'probe')).toHaveLength(2);
    expect(keys.filter((key) => key !== 'k' && key !== 'probe')).toHaveLength(10);
    serialize.mockRestore();
    await storage.close();
  });

  test('SSE-C parameters are sent as the SDK sends them (base64 key and its MD5)', async () => {
    const storage = new S3Storage(local);
    const presigner = new S3Presigner(storage.client, 'media');
    const parameters = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'k'.repeat(32) };
    const ours = await presigner.presign('GET', 'a.txt', parameters, { expiresIn: 60, signingDate });
    const sdk = await getSignedUrl(
      storage.client,
      new GetObjectCommand({ ...parameters, Bucket: 'media', Key: 'a.txt' }),
      {
        expiresIn: 60,
        signingDate,
      },
    );
    expect(ours).toBe(sdk);
    expect(query(ours).get('X-Amz-SignedHeaders')).toContain('x-amz-server-side-encryption-customer-key-md5');
  });

  test('carry expire, parameters and the security token, path style with the port kept', async () => {
    const storage = new S3Storage({ ...local, securityToken: 'session-token', querystringExpire: 600 });
    const url = await storage.url('a b.txt', { parameters: { ResponseContentDisposition: 'inline' } });
    expect(url.startsWith('http://127.0.0.1:9000/media/a%20b.txt?')).toBe(true);
    const q = query(url);
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Expires')).toBe('600');
    expect(q.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    expect(q.get('X-Amz-Security-Token')).toBe('session-token');
    expect(q.get('response-content-disposition')).toBe('inline');
    expect(query(await storage.url('a.txt', { expire: 5 })).get('X-Amz-Expires')).toBe('5');
  });

  test('are virtual-host style on AWS, path style when asked', async () => {
    expect(await new S3Storage(aws).url('a.txt')).toMatch(
      /^https:\/\/media\.s3\.eu-west-1\.amazonaws\.com\/a\.txt\?X-Amz-/,
    );
    expect(await new S3Storage({ ...aws, addressingStyle: 'path' }).url('a.txt')).toMatch(
      /^https:\/\/s3\.eu-west-1\.amazonaws\.com\/media\/a\.txt\?X-Amz-/,
    );
    expect(
      await new S3Storage({ ...local, addressingStyle: 'virtual', endpointUrl: 'http://s3.local:9000' }).url('a.txt'),
    ).toMatch(/^http:\/\/media\.s3\.local:9000\/a\.txt\?X-Amz-/);
  });

  test('a presigned PUT never carries SDK checksums, whatever the client checksum settings', async () => {
    const storage = new S3Storage({ ...aws, requestChecksumCalculation: 'WHEN_SUPPORTED' });
    // The trap: the SDK presigner bakes the CRC32 of an empty body into the URL.
    const sdk = await getSignedUrl(storage.client, new PutObjectCommand({ Bucket: 'media', Key: 'a.txt' }));
    expect(sdk).toContain('x-amz-checksum-crc32=AAAAAA%3D%3D');
    const url = await storage.url('a.txt', { httpMethod: 'put' });
    expect(url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i);
    expect(query(url).get('x-id')).toBe('PutObject');
    expect(query(url).get('X-Amz-SignedHeaders')).toBe('host');
  });

  test('refuse unknown parameters as botocore does, listing the valid ones', async () => {
    const storage = new S3Storage(local);
    const error = await storage.url('a.txt', { parameters: { version: 10 } }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(
      /^Parameter validation failed:\nUnknown parameter in input: "version", must be one of: Bucket, Key, IfMatch, .*ResponseContentDisposition/,
    );
    await expect(storage.url('a.txt', { httpMethod: 'PATCH' })).rejects.toThrow(
      "url() cannot sign for HTTP method 'PATCH': use one of GET, PUT, HEAD, DELETE",
    );
    await expect(storage.url('a.txt', { expire: 604_801 })).rejects.toThrow(RangeError);
    await expect(storage.url('')).rejects.toThrow(/Invalid length for parameter Key/);
  });

  test('use credentials as the client resolves them each time (refreshed ones too)', async () => {
    let generation = 0;
    const client = new S3Client({
      region: 'eu-west-1',
      // Credentials about to expire, as the default chain's are: the client fetches new ones.
      credentials: async () => ({
        accessKeyId: `KEY${++generation}`,
        secretAccessKey: 'secret',
        expiration: new Date(Date.now() + 60_000),
      }),
    });
    const storage = new S3Storage({ bucketName: 'media', client });
    const first = query(await storage.url('a.txt')).get('X-Amz-Credential');
    const second = query(await storage.url('a.txt')).get('X-Amz-Credential');
    expect(first).toMatch(/^KEY\d+\//);
    expect(second).toBe(first!.replace(/^KEY(\d+)/, (_, n: string) => `KEY${Number(n) + 1}`));
  });
});

describe('presigned URLs when the SDK changes shape', () => {
  const signingDate = new Date('2030-01-02T03:04:05Z');
  const key = "dir/a b+c!*()'~ã%.txt";
  /** The operations as a future SDK might describe them: objects, not positional tuples. */
  const reshaped = {
    GET: [{ ...GetObject$ }, GetObjectCommand],
    PUT: [{ ...PutObject$ }, PutObjectCommand],
    HEAD: [{ ...HeadObject$ }, HeadObjectCommand],
    DELETE: [{ ...DeleteObject$ }, DeleteObjectCommand],
  } as unknown as ConstructorParameters<typeof S3Presigner>[2];

  test.each([
    ['path style on a port', local],
    ['virtual host on AWS, checksums when supported', { ...aws, requestChecksumCalculation: 'WHEN_SUPPORTED' }],
    ['with a session token', { ...local, securityToken: 'token/with+special=' }],
  ] as [string, S3StorageOptions][])('fall back to getSignedUrl, with the same URLs: %s', async (_, options) => {
    const storage = new S3Storage(options);
    const fast = new S3Presigner(storage.client, 'media');
    const fallback = new S3Presigner(storage.client, 'media', reshaped);
    const serializer = storage.client.config.protocol as unknown as {
      serializeRequest: (schema: unknown, input: unknown, context: unknown) => unknown;
    };
    const serialized = jest.spyOn(serializer, 'serializeRequest');
    const cases: [string, Record<string, unknown>][] = [
      ['GET', {}],
      ['GET', { ResponseContentDisposition: 'attachment; filename="a b.txt"', VersionId: 'v1' }],
      ['GET', { SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'k'.repeat(32) }],
      ['PUT', {}],
      ['PUT', { ContentType: 'text/plain', ACL: 'public-read', Metadata: { a: 'b' } }],
      ['HEAD', {}],
      ['DELETE', {}],
    ];
    for (const [method, parameters] of cases) {
      serialized.mockClear();
      const slow = await fallback.presign(method, key, parameters, { expiresIn: 900, signingDate });
      // The fallback went through the SDK's middleware stack (getSignedUrl), not the fast path's own serializing.
      // (the fast path hands the serializer a context of the endpoint alone).
      expect(serialized.mock.calls.length).toBe(1);
      expect(Object.keys(serialized.mock.calls[0][2] as object)).not.toEqual(['endpoint']);
      expect(slow).toBe(await fast.presign(method, key, parameters, { expiresIn: 900, signingDate }));
      expect(slow).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i);
    }
    const parameters = { ResponseContentDisposition: 'inline; x=1', VersionId: 'v 1' };
    expect(await fallback.objectUrl(key, parameters)).toBe(await fast.objectUrl(key, parameters));
    serialized.mockRestore();
    await storage.close();
  });
});

describe('unsigned URLs', () => {
  test('are the plain object URL, parameters in the query, without signing or I/O', async () => {
    let requests = 0;
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: () => Promise.reject(new Error('no credentials should be needed')),
      requestHandler: {
        handle: () => {
          requests++;
          return Promise.reject(new Error('no request should be made'));
        },
      },
    });
    const storage = new S3Storage({ bucketName: 'media', client, querystringAuth: false, location: 'static' });
    expect(await storage.url("a b+c!'.txt")).toBe('http://127.0.0.1:9000/media/static/a%20b%2Bc%21%27.txt');
    expect(
      await storage.url('a.txt', { parameters: { ResponseContentDisposition: 'inline; x=1', VersionId: 'v 1' } }),
    ).toBe('http://127.0.0.1:9000/media/static/a.txt?response-content-disposition=inline%3B%20x%3D1&versionId=v%201');
    expect(requests).toBe(0);
  });

  test("refuse an empty name, as django-storages' url('') does, rather than give the bucket's URL", async () => {
    for (const storage of [new S3Storage({ ...local, querystringAuth: false }), new S3StaticStorage(aws)]) {
      await expect(storage.url('')).rejects.toThrow(
        new TypeError('Parameter validation failed:\nInvalid length for parameter Key, value: 0, valid min length: 1'),
      );
      await expect(storage.url('', { parameters: { VersionId: 'v1' } })).rejects.toThrow(
        /Invalid length for parameter Key/,
      );
    }
  });

  test('are virtual-host style on AWS', async () => {
    expect(await new S3Storage({ ...aws, querystringAuth: false }).url('a b.txt')).toBe(
      'https://media.s3.eu-west-1.amazonaws.com/a%20b.txt',
    );
  });

  test('refuse parameters that only a header could carry', async () => {
    const storage = new S3Storage({ ...local, querystringAuth: false });
    await expect(storage.url('a.txt', { parameters: { Range: 'bytes=0-1' } })).rejects.toThrow(/range/i);
    await expect(storage.url('a.txt', { parameters: { nope: 1 } })).rejects.toThrow(
      /Unknown parameter in input: "nope"/,
    );
  });

  test('are the default of S3StaticStorage; an explicit querystringAuth still wins', async () => {
    expect(await new S3StaticStorage(local).url('app.css')).toBe('http://127.0.0.1:9000/media/app.css');
    expect(await new S3StaticStorage({ ...local, querystringAuth: true }).url('app.css')).toMatch(/\?X-Amz-Algorithm=/);
    expect(new S3StaticStorage(local).querystringAuth).toBe(false);
  });
});

describe('uploadUrl', () => {
  function policy(fields: Record<string, string>): { expiration: string; conditions: unknown[] } {
    return JSON.parse(Buffer.from(fields.Policy, 'base64').toString('utf8'));
  }

  test('is a presigned POST for the key, pinning what a save would send', async () => {
    const storage = new S3Storage({
      ...local,
      location: 'uploads',
      defaultAcl: 'public-read',
      objectParameters: { CacheControl: 'max-age=60', Metadata: { owner: 'me' }, Tagging: 'a=1&b=x y' },
    });
    const { url, fields } = await storage.uploadUrl('dir/photo one.JPG', { maxSize: 1000, expire: 120 });
    expect(url).toBe('http://127.0.0.1:9000/media');
    expect(fields).toMatchObject({
      key: 'uploads/dir/photo one.JPG',
      bucket: 'media',
      'Content-Type': 'image/jpeg',
      acl: 'public-read',
      'Cache-Control': 'max-age=60',
      'x-amz-meta-owner': 'me',
      tagging:
        '<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>x y</Value></Tag></TagSet></Tagging>',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    });
    const { conditions, expiration } = policy(fields);
    expect(conditions).toContainEqual(['content-length-range', 0, 1000]);
    expect(conditions).toContainEqual({ 'Content-Type': 'image/jpeg' });
    expect(conditions).toContainEqual({ key: 'uploads/dir/photo one.JPG' });
    const lifetime = Date.parse(expiration) - Date.now();
    expect(lifetime).toBeGreaterThan(100_000);
    expect(lifetime).toBeLessThanOrEqual(120_000);
  });

  test('takes a given content type, and guesses the encoding as save() does', async () => {
    const storage = new S3Storage(local);
    expect((await storage.uploadUrl('a.bin', { contentType: 'image/png' })).fields['Content-Type']).toBe('image/png');
    const { fields } = await storage.uploadUrl('data.csv.gz');
    expect(fields).toMatchObject({ 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' });
    expect(policy(fields).conditions).not.toContainEqual(expect.arrayContaining(['content-length-range']));
  });

  test('refuses what a form cannot carry or should not hand out', async () => {
    await expect(
      new S3Storage({ ...local, objectParameters: { GrantRead: 'id=1' } }).uploadUrl('a.txt'),
    ).rejects.toThrow("uploadUrl() cannot set the object parameter 'GrantRead'");
    const sseC = new S3Storage({
      ...local,
      objectParameters: { SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'k'.repeat(32) },
    });
    const error = await sseC.uploadUrl('a.txt').catch((e: Error) => e);
    expect((error as Error).message).toMatch(/SSE-C/);
    expect((error as Error).message).not.toContain('k'.repeat(32));
    await expect(new S3Storage(local).uploadUrl('${filename}')).rejects.toThrow(/\$\{filename\}/);
    await expect(new S3Storage(local).uploadUrl('a.txt', { maxSize: -1 })).rejects.toThrow(RangeError);
    await expect(new S3Storage({ ...local, location: 'in' }).uploadUrl('../out.txt')).rejects.toThrow(
      SuspiciousOperation,
    );
  });
});
