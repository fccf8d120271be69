/**
 * The S3Client a storage builds from its settings, shown on the S3 server of the test run:
 * credentials in django-storages' order (options > AWS_S3_* > the SDK's chain, a session profile
 * from the shared files), region, endpoint, TLS verification, proxies, addressing style,
 * clientConfig, transfer settings, checksums, and a client handed in. What no server can show
 * (the signing key and region, the host addressed) is read from the signed request.
 */
import { createHash } from 'node:crypto';
import { jest } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3Storage, StorageError, type S3StorageOptions } from '../../lib/index.js';
import { restoreEnv, setEnv } from '../support/environment.js';
import {
  failingServer,
  forwardProxy,
  selfSignedCertificate,
  tlsFront,
  type LocalServer,
} from '../support/local-servers.js';
import { notSent, recordRequests, signedWith } from '../support/requests.js';
import { rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

const MiB = 1024 * 1024;
const location = uniqueLocation('client');
const raw = rawClient();
const storages: S3Storage[] = [];
const servers: LocalServer[] = [];

/** A storage on the test server (or as `options` say), closed after the suite. */
function storage(options: S3StorageOptions = {}): S3Storage {
  const built = new S3Storage({ ...s3Options({ location }), ...options });
  storages.push(built);
  return built;
}

/** Settings of a storage that must find its credentials elsewhere than in its options. */
const withoutKeys = { accessKey: undefined, secretKey: undefined };

afterEach(restoreEnv);
afterAll(async () => {
  await Promise.all([...storages.map((s) => s.close()), ...servers.map((s) => s.close())]);
  raw.destroy();
});

async function stored(name: string): Promise<Buffer> {
  const { Body } = await raw.send(new GetObjectCommand({ Bucket: server.bucket, Key: `${location}/${name}` }));
  return Buffer.from(await Body!.transformToByteArray());
}

function stream(bytes: number, chunk = MiB): Readable {
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < bytes; sent += chunk) yield Buffer.alloc(Math.min(chunk, bytes - sent), sent / chunk);
    })(),
  );
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Shared AWS config files for this test only, as ~/.aws/credentials and ~/.aws/config. */
function sharedConfigFiles(credentials: string, config: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'aws-'));
  writeFileSync(join(dir, 'credentials'), credentials);
  writeFileSync(join(dir, 'config'), config);
  setEnv({
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
  });
}

describe('credentials: options > AWS_S3_* environment > the SDK default chain', () => {
  test('explicit keys sign every request', async () => {
    const s = storage();
    const sent = recordRequests(s.client);
    await s.save('keys/explicit.txt', 'x');
    expect(await s.exists('keys/explicit.txt')).toBe(true);
    expect(sent.map((r) => signedWith(r).accessKey)).toEqual([server.accessKey, server.accessKey]);
  });

  test('a key the server does not know is refused there (403), so the key is what reaches it', async () => {
    const s = storage({ accessKey: 'UNKNOWNKEY0000000000', secretKey: 'not-the-secret' });
    await expect(s.exists('keys/any.txt')).rejects.toMatchObject({ name: 'StorageError', statusCode: 403 });
  });

  test('AWS_S3_ACCESS_KEY_ID / AWS_S3_SECRET_ACCESS_KEY are read when the options have none', async () => {
    setEnv({ AWS_S3_ACCESS_KEY_ID: server.accessKey, AWS_S3_SECRET_ACCESS_KEY: server.secretKey });
    const s = storage(withoutKeys);
    await s.save('keys/env.txt', 'x');
    expect((await s.client.config.credentials()).accessKeyId).toBe(server.accessKey);
    expect((await stored('keys/env.txt')).toString()).toBe('x');
  });

  test('AWS_S3_* outrank the generic AWS_ACCESS_KEY_ID', async () => {
    setEnv({
      AWS_S3_ACCESS_KEY_ID: server.accessKey,
      AWS_S3_SECRET_ACCESS_KEY: server.secretKey,
      AWS_ACCESS_KEY_ID: 'GENERICKEY0000000000',
      AWS_SECRET_ACCESS_KEY: 'generic-secret',
    });
    const s = storage(withoutKeys);
    expect(await s.exists('keys/none.txt')).toBe(false);
  });

  test('options outrank AWS_S3_*', async () => {
    setEnv({ AWS_S3_ACCESS_KEY_ID: 'ENVKEY00000000000000', AWS_S3_SECRET_ACCESS_KEY: 'env-secret' });
    const s = storage();
    expect(await s.exists('keys/none.txt')).toBe(false);
    expect((await s.client.config.credentials()).accessKeyId).toBe(server.accessKey);
  });

  test('a wrong AWS_S3_ACCESS_KEY_ID is what the server refuses', async () => {
    setEnv({ AWS_S3_ACCESS_KEY_ID: 'ENVKEY00000000000000', AWS_S3_SECRET_ACCESS_KEY: 'env-secret' });
    const s = storage(withoutKeys);
    await expect(s.exists('keys/none.txt')).rejects.toMatchObject({ statusCode: 403 });
  });

  test('without keys anywhere of ours, the SDK chain reads AWS_ACCESS_KEY_ID', async () => {
    setEnv({ AWS_ACCESS_KEY_ID: server.accessKey, AWS_SECRET_ACCESS_KEY: server.secretKey, AWS_PROFILE: undefined });
    const s = storage(withoutKeys);
    expect(await s.exists('keys/none.txt')).toBe(false);
    expect((await s.client.config.credentials()).accessKeyId).toBe(server.accessKey);
  });
});

describe('sessionProfile: a profile of the shared config files', () => {
  beforeEach(() =>
    sharedConfigFiles(
      `[default]\naws_access_key_id = DEFAULTKEY0000000000\naws_secret_access_key = default-secret\n` +
        `[media]\naws_access_key_id = ${server.accessKey}\naws_secret_access_key = ${server.secretKey}\n` +
        `[stranger]\naws_access_key_id = STRANGERKEY000000000\naws_secret_access_key = stranger-secret\n`,
      `[profile media]\nregion = eu-south-1\n` +
        `[profile regionless]\naws_access_key_id = ${server.accessKey}\naws_secret_access_key = ${server.secretKey}\n`,
    ),
  );

  test("requests are signed with the profile's key", async () => {
    const s = storage({ ...withoutKeys, sessionProfile: 'media' });
    const sent = recordRequests(s.client);
    await s.save('profile/a.txt', 'x');
    expect(signedWith(sent[0]).accessKey).toBe(server.accessKey);
    expect(await s.client.config.credentials()).toMatchObject({
      accessKeyId: server.accessKey,
      secretAccessKey: server.secretKey,
    });
    expect((await stored('profile/a.txt')).toString()).toBe('x');
  });

  test('a profile whose key the server does not know is refused there (403)', async () => {
    const s = storage({ ...withoutKeys, sessionProfile: 'stranger' });
    await expect(s.exists('profile/a.txt')).rejects.toMatchObject({ statusCode: 403 });
  });

  test('AWS_S3_SESSION_PROFILE names the profile too', async () => {
    setEnv({ AWS_S3_SESSION_PROFILE: 'media' });
    const s = storage(withoutKeys);
    expect(await s.exists('profile/none.txt')).toBe(false);
  });

  test('the profile outranks the generic AWS_ACCESS_KEY_ID', async () => {
    setEnv({ AWS_ACCESS_KEY_ID: 'GENERICKEY0000000000', AWS_SECRET_ACCESS_KEY: 'generic-secret' });
    const s = storage({ ...withoutKeys, sessionProfile: 'media' });
    expect(await s.exists('profile/none.txt')).toBe(false);
  });

  test('a missing profile fails naming it, without trying other credentials', async () => {
    const s = storage({ ...withoutKeys, sessionProfile: 'nosuchprofile' });
    await expect(s.exists('profile/a.txt')).rejects.toThrow(/profile: \[nosuchprofile\]/);
  });

  test("the profile's region signs when regionName is not set, else us-east-1; regionName outranks it", async () => {
    const fromProfile = storage({ ...withoutKeys, sessionProfile: 'media', regionName: undefined });
    const sent = recordRequests(fromProfile.client, { send: false });
    await notSent(fromProfile.exists('profile/a.txt'));
    expect(signedWith(sent[0]).region).toBe('eu-south-1');

    const regionless = storage({ ...withoutKeys, sessionProfile: 'regionless', regionName: undefined });
    const sentRegionless = recordRequests(regionless.client, { send: false });
    await notSent(regionless.exists('profile/a.txt'));
    expect(signedWith(sentRegionless[0]).region).toBe('us-east-1');

    const given = storage({ ...withoutKeys, sessionProfile: 'media', regionName: 'ap-east-1' });
    const sentGiven = recordRequests(given.client, { send: false });
    await notSent(given.exists('profile/a.txt'));
    expect(signedWith(sentGiven[0]).region).toBe('ap-east-1');
  });
});

describe('securityToken', () => {
  async function tokenSent(s: S3Storage): Promise<string | undefined> {
    const sent = recordRequests(s.client, { send: false });
    await notSent(s.exists('token/a.txt'));
    return sent[0].headers['x-amz-security-token'];
  }

  test('is sent as x-amz-security-token', async () => {
    expect(await tokenSent(storage({ securityToken: 'TOKEN-FROM-OPTIONS' }))).toBe('TOKEN-FROM-OPTIONS');
  });

  test('AWS_SESSION_TOKEN (else AWS_SECURITY_TOKEN) goes with keys from AWS_S3_*', async () => {
    setEnv({ AWS_S3_ACCESS_KEY_ID: server.accessKey, AWS_S3_SECRET_ACCESS_KEY: server.secretKey });
    setEnv({ AWS_SECURITY_TOKEN: 'LEGACY-TOKEN' });
    expect(await tokenSent(storage(withoutKeys))).toBe('LEGACY-TOKEN');
    setEnv({ AWS_SESSION_TOKEN: 'SESSION-TOKEN' });
    expect(await tokenSent(storage(withoutKeys))).toBe('SESSION-TOKEN');
  });

  test("keys given as options take the environment's token too, as django-storages' lookup_env", async () => {
    setEnv({ AWS_SESSION_TOKEN: 'ENVIRONMENT-TOKEN' });
    expect(await tokenSent(storage())).toBe('ENVIRONMENT-TOKEN');
    expect(await tokenSent(storage({ securityToken: 'OPTIONS-TOKEN' }))).toBe('OPTIONS-TOKEN');
  });
});

describe('regionName, endpointUrl, useSsl', () => {
  async function firstRequest(options: S3StorageOptions) {
    const s = storage(options);
    const sent = recordRequests(s.client, { send: false });
    await notSent(s.exists('where/a.txt'));
    return sent[0];
  }

  test('regionName is the signing region', async () => {
    expect(signedWith(await firstRequest({ regionName: 'eu-central-1' })).region).toBe('eu-central-1');
  });

  test('without regionName: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1', async () => {
    sharedConfigFiles('', '');
    expect(signedWith(await firstRequest({ regionName: undefined })).region).toBe('us-east-1');
    setEnv({ AWS_DEFAULT_REGION: 'ca-central-1' });
    expect(signedWith(await firstRequest({ regionName: undefined })).region).toBe('ca-central-1');
    setEnv({ AWS_REGION: 'sa-east-1' });
    expect(signedWith(await firstRequest({ regionName: undefined })).region).toBe('sa-east-1');
  });

  test('requests go to endpointUrl, its port kept', async () => {
    const s = storage();
    const sent = recordRequests(s.client);
    await s.save('where/endpoint.txt', 'here');
    const endpoint = new URL(server.endpoint);
    expect(sent[0]).toMatchObject({ protocol: endpoint.protocol, hostname: endpoint.hostname });
    expect(String(sent[0].port)).toBe(endpoint.port);
    expect((await stored('where/endpoint.txt')).toString()).toBe('here');
  });

  test('useSsl: false without an endpoint talks http to AWS; the default is https', async () => {
    const plain = await firstRequest({ endpointUrl: undefined, useSsl: false });
    expect(plain).toMatchObject({ protocol: 'http:', hostname: `${server.bucket}.s3.${server.region}.amazonaws.com` });
    expect((await firstRequest({ endpointUrl: undefined })).protocol).toBe('https:');
  });

  test("an endpoint's own scheme outranks useSsl", async () => {
    const request = await firstRequest({ endpointUrl: 'https://objects.example.com', useSsl: false });
    expect(request).toMatchObject({ protocol: 'https:', hostname: 'objects.example.com' });
  });
});

describe('addressingStyle', () => {
  const localhost = () => server.endpoint.replace('127.0.0.1', 'localhost');

  async function firstRequest(options: S3StorageOptions) {
    const s = storage(options);
    const sent = recordRequests(s.client, { send: false });
    await notSent(s.exists('style/a.txt'));
    return `${sent[0].hostname}${sent[0].path}`;
  }

  test('with an endpointUrl and no addressingStyle, the bucket is in the path (as botocore)', async () => {
    const s = storage();
    const sent = recordRequests(s.client);
    await s.save('style/path.txt', 'x');
    expect(sent[0].path).toBe(`/${server.bucket}/${location}/style/path.txt`);
    expect(await firstRequest({ endpointUrl: 'http://objects.example.com' })).toBe(
      `objects.example.com/${server.bucket}/${location}/style/a.txt`,
    );
  });

  test("'virtual' puts the bucket in the host name, on an endpoint too", async () => {
    expect(await firstRequest({ endpointUrl: localhost(), addressingStyle: 'virtual' })).toBe(
      `${server.bucket}.localhost/${location}/style/a.txt`,
    );
    expect(await firstRequest({ endpointUrl: undefined, addressingStyle: 'virtual' })).toBe(
      `${server.bucket}.s3.${server.region}.amazonaws.com/${location}/style/a.txt`,
    );
  });

  test("'path' on AWS puts the bucket in the path", async () => {
    expect(await firstRequest({ endpointUrl: undefined, addressingStyle: 'path' })).toBe(
      `s3.${server.region}.amazonaws.com/${server.bucket}/${location}/style/a.txt`,
    );
  });

  test('clientConfig replaces addressingStyle, as django-storages ignores it then', async () => {
    expect(await firstRequest({ endpointUrl: localhost(), addressingStyle: 'virtual', clientConfig: {} })).toBe(
      `localhost/${server.bucket}/${location}/style/a.txt`,
    );
    expect(await firstRequest({ endpointUrl: undefined, addressingStyle: 'path', clientConfig: {} })).toBe(
      `${server.bucket}.s3.${server.region}.amazonaws.com/${location}/style/a.txt`,
    );
    expect(await firstRequest({ endpointUrl: localhost(), clientConfig: { forcePathStyle: false } })).toBe(
      `${server.bucket}.localhost/${location}/style/a.txt`,
    );
  });
});

describe('clientConfig is merged last', () => {
  test('maxAttempts from clientConfig: one request to a failing server instead of three', async () => {
    const failing = await failingServer();
    servers.push(failing);
    await expect(storage({ endpointUrl: failing.url }).exists('a.txt')).rejects.toBeInstanceOf(StorageError);
    expect(failing.requests).toBe(3);
    failing.requests = 0;
    const once = storage({ endpointUrl: failing.url, clientConfig: { maxAttempts: 1 } });
    await expect(once.exists('a.txt')).rejects.toMatchObject({ statusCode: 500 });
    expect(failing.requests).toBe(1);
  });

  test('over the settings it would otherwise derive', async () => {
    const s = storage({
      regionName: 'eu-west-1',
      clientConfig: { region: 'ap-south-1', requestChecksumCalculation: 'WHEN_SUPPORTED' },
    });
    expect(await s.client.config.region()).toBe('ap-south-1');
    expect(await s.client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
  });
});

describe('transferConfig', () => {
  /** Counts UploadPart requests, their sizes, and the most in flight at once. */
  function partsOf(s: S3Storage, { holdUntil = 0 } = {}) {
    const parts = { sizes: [] as number[], mostInFlight: 0, single: 0 };
    let inFlight = 0;
    let released = false;
    const waiting: (() => void)[] = [];
    s.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') parts.single++;
        if (context.commandName !== 'UploadPartCommand') return next(args);
        parts.sizes.push(Number((args.request as { headers: Record<string, string> }).headers['content-length']));
        parts.mostInFlight = Math.max(parts.mostInFlight, ++inFlight);
        // Hold parts until `holdUntil` are in flight together: concurrency without timing luck.
        if (inFlight >= holdUntil) released = true;
        if (released) waiting.splice(0).forEach((go) => go());
        else await new Promise<void>((go) => waiting.push(go));
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'deserialize' },
    );
    return parts;
  }

  test('partSize: a 12 MiB stream goes in parts of 5, 5 and 2 MiB', async () => {
    const s = storage({ transferConfig: { partSize: 5 * MiB } });
    const parts = partsOf(s);
    await s.save('transfer/12.bin', stream(12 * MiB));
    expect(parts.sizes.sort()).toEqual([2 * MiB, 5 * MiB, 5 * MiB].sort());
    expect(sha256(await stored('transfer/12.bin'))).toBe(sha256(Buffer.concat(await stream(12 * MiB).toArray())));
  });

  test("the default part size is lib-storage's 5 MiB (the SDK default)", async () => {
    const s = storage();
    const parts = partsOf(s);
    await s.save('transfer/12-default.bin', stream(12 * MiB));
    expect(parts.sizes.sort()).toEqual([2 * MiB, 5 * MiB, 5 * MiB].sort());
  });

  test('queueSize: that many parts are uploaded at once', async () => {
    const s = storage({ transferConfig: { partSize: 5 * MiB, queueSize: 3 } });
    const parts = partsOf(s, { holdUntil: 3 });
    await s.save('transfer/queue3.bin', stream(20 * MiB));
    expect(parts.sizes).toHaveLength(4);
    expect(parts.mostInFlight).toBe(3);
  });

  test('queueSize 1 uploads one part at a time', async () => {
    const s = storage({ transferConfig: { partSize: 5 * MiB, queueSize: 1 } });
    const parts = partsOf(s);
    await s.save('transfer/queue1.bin', stream(15 * MiB));
    expect(parts.sizes).toHaveLength(3);
    expect(parts.mostInFlight).toBe(1);
  });

  test('multipartThreshold: content above it goes in parts, up to it in one PutObject', async () => {
    const high = storage({ transferConfig: { multipartThreshold: 8 * MiB } });
    const whole = partsOf(high);
    await high.save('transfer/6.bin', Buffer.alloc(6 * MiB, 6));
    expect(whole).toMatchObject({ single: 1, sizes: [] });

    const low = storage({ transferConfig: { partSize: 5 * MiB, multipartThreshold: 5 * MiB } });
    const split = partsOf(low);
    await low.save('transfer/6.bin', Buffer.alloc(6 * MiB, 6));
    expect(split).toMatchObject({ single: 0 });
    expect(split.sizes.sort()).toEqual([1 * MiB, 5 * MiB].sort());
    expect((await stored('transfer/6.bin')).equals(Buffer.alloc(6 * MiB, 6))).toBe(true);
  });
});

describe('requestChecksumCalculation / responseChecksumValidation', () => {
  async function checksums(options: S3StorageOptions) {
    const { config } = storage(options).client;
    return [await config.requestChecksumCalculation(), await config.responseChecksumValidation()];
  }

  test('default to WHEN_REQUIRED for a non-AWS endpoint', async () => {
    expect(await checksums({})).toEqual(['WHEN_REQUIRED', 'WHEN_REQUIRED']);
    expect(await checksums({ endpointUrl: 'https://account.r2.cloudflarestorage.com' })).toEqual([
      'WHEN_REQUIRED',
      'WHEN_REQUIRED',
    ]);
  });

  test("keep the SDK's default (WHEN_SUPPORTED) for AWS", async () => {
    expect(await checksums({ endpointUrl: undefined })).toEqual(['WHEN_SUPPORTED', 'WHEN_SUPPORTED']);
    expect(await checksums({ endpointUrl: 'https://s3.eu-west-1.amazonaws.com' })).toEqual([
      'WHEN_SUPPORTED',
      'WHEN_SUPPORTED',
    ]);
  });

  test('explicit values win, either way', async () => {
    const supported = { requestChecksumCalculation: 'WHEN_SUPPORTED', responseChecksumValidation: 'WHEN_SUPPORTED' };
    expect(await checksums(supported as S3StorageOptions)).toEqual(['WHEN_SUPPORTED', 'WHEN_SUPPORTED']);
    const required = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' };
    expect(await checksums({ ...(required as S3StorageOptions), endpointUrl: undefined })).toEqual([
      'WHEN_REQUIRED',
      'WHEN_REQUIRED',
    ]);
  });

  test("the SDK's own environment variables outrank the non-AWS default", async () => {
    setEnv({ AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_SUPPORTED', AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_SUPPORTED' });
    expect(await checksums({})).toEqual(['WHEN_SUPPORTED', 'WHEN_SUPPORTED']);
  });

  test('by default a streamed save sends no checksum framing and is stored intact', async () => {
    const s = storage();
    const sent = recordRequests(s.client);
    await s.save('checksums/default.bin', stream(65536, 4096));
    expect(sent[0].headers).not.toHaveProperty('x-amz-sdk-checksum-algorithm');
    expect(await stored('checksums/default.bin')).toEqual(Buffer.concat(await stream(65536, 4096).toArray()));
  });
});

describe('client: a ready S3Client', () => {
  test('is used for every call of the storage', async () => {
    const client = rawClient();
    const sent = recordRequests(client);
    const s = storage({ client });
    expect(s.client).toBe(client);
    await s.save('given/a.txt', 'abc');
    await s.save('given/stream.txt', Readable.from(['abc']));
    expect(await s.exists('given/a.txt')).toBe(true);
    expect(await s.size('given/a.txt')).toBe(3);
    await s.getModifiedTime('given/a.txt');
    expect(await s.listdir('given')).toEqual([[], expect.arrayContaining(['a.txt', 'stream.txt'])]);
    const reading = await s.open('given/a.txt');
    expect(await reading.read()).toEqual(Buffer.from('abc'));
    await reading.close();
    const writing = await s.open('given/w.txt', 'wb');
    await writing.write(Buffer.from('w'));
    await writing.close();
    expect(Buffer.concat(await (await s.createReadStream('given/w.txt')).toArray()).toString()).toBe('w');
    await s.delete('given/a.txt');
    expect(new Set(sent.map((r) => r.command))).toEqual(
      new Set([
        'PutObjectCommand',
        'HeadObjectCommand',
        'ListObjectsV2Command',
        'GetObjectCommand',
        'CreateMultipartUploadCommand',
        'UploadPartCommand',
        'CompleteMultipartUploadCommand',
        'DeleteObjectCommand',
      ]),
    );
    client.destroy();
  });

  test('is not destroyed by close(): it belongs to the caller', async () => {
    const client = rawClient();
    const destroy = jest.spyOn(client, 'destroy');
    const s = new S3Storage({ ...s3Options({ location }), client });
    await s.close();
    expect(destroy).not.toHaveBeenCalled();
    expect(await s.exists('given/none.txt')).toBe(false);
    client.destroy();
  });

  test("the storage's own client is destroyed by close()", async () => {
    const s = new S3Storage(s3Options({ location }));
    const destroy = jest.spyOn(s.client as S3Client, 'destroy');
    await s.close();
    expect(destroy).toHaveBeenCalledTimes(1);
  });
});

describe('verify: TLS verification of the endpoint', () => {
  const certificate = selfSignedCertificate();
  let front: Awaited<ReturnType<typeof tlsFront>>;
  beforeAll(async () => {
    front = await tlsFront(server.endpoint, certificate);
    servers.push(front);
  });

  test('by default a self-signed certificate is refused', async () => {
    const s = storage({ endpointUrl: front.url });
    const error = await s.exists('tls/a.txt').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/self-signed certificate/);
    expect(front.requests).toBe(0);
  });

  test('verify: false accepts it', async () => {
    const s = storage({ endpointUrl: front.url, verify: false });
    await s.save('tls/unverified.txt', 'over tls');
    expect((await stored('tls/unverified.txt')).toString()).toBe('over tls');
    expect(front.requests).toBeGreaterThan(0);
  });

  test('verify: a CA bundle path trusts that CA', async () => {
    const s = storage({ endpointUrl: front.url, verify: certificate.certPath });
    await s.save('tls/verified.txt', 'over verified tls');
    expect(await (await s.open('tls/verified.txt', 'r')).read()).toBe('over verified tls');
  });

  test('verify: a CA bundle of another CA still refuses it', async () => {
    const s = storage({ endpointUrl: front.url, verify: selfSignedCertificate().certPath });
    await expect(s.exists('tls/a.txt')).rejects.toBeInstanceOf(StorageError);
  });
});

describe('proxies', () => {
  const endpoint = new URL(server.endpoint);
  let proxy: Awaited<ReturnType<typeof forwardProxy>>;
  let other: Awaited<ReturnType<typeof forwardProxy>>;
  beforeEach(async () => {
    [proxy, other] = await Promise.all([forwardProxy(), forwardProxy()]);
    servers.push(proxy, other);
  });

  const proxyAddress = (p: LocalServer) => `127.0.0.1:${p.port}`;

  test('http requests go through the http proxy, as plain forwarded requests', async () => {
    const s = storage({ proxies: { http: proxyAddress(proxy) } });
    await s.save('proxy/a.txt', 'proxied');
    expect(await (await s.open('proxy/a.txt', 'r')).read()).toBe('proxied');
    expect(proxy.requests.length).toBeGreaterThanOrEqual(2);
    for (const line of proxy.requests) expect(line).toMatch(new RegExp(`^[A-Z]+ ${server.endpoint}/`));
    expect(proxy.tunnels).toEqual([]);
  });

  test.each([
    ['scheme://host:port', () => `http://${endpoint.host}`],
    ['scheme://host', () => `http://${endpoint.hostname}`],
  ])("a '%s' key outranks the scheme's", async (_form, key) => {
    const s = storage({ proxies: { http: `http://${proxyAddress(other)}`, [key()]: proxyAddress(proxy) } });
    expect(await s.exists('proxy/none.txt')).toBe(false);
    expect(proxy.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
  });

  test('an https proxy is not used for an http endpoint', async () => {
    const s = storage({ proxies: { https: proxyAddress(proxy) } });
    expect(await s.exists('proxy/none.txt')).toBe(false);
    expect(proxy.requests).toHaveLength(0);
  });

  test('clientConfig replaces proxies, as django-storages ignores them then', async () => {
    const s = storage({ proxies: { http: proxyAddress(proxy) }, clientConfig: {} });
    expect(await s.exists('proxy/none.txt')).toBe(false);
    expect(proxy.requests).toHaveLength(0);
  });

  test('https goes through the proxy in a CONNECT tunnel, the certificate still checked', async () => {
    const certificate = selfSignedCertificate();
    const front = await tlsFront(server.endpoint, certificate);
    servers.push(front);
    const s = storage({
      endpointUrl: front.url,
      verify: certificate.certPath,
      proxies: { https: proxyAddress(proxy) },
    });
    expect(await s.exists('proxy/none.txt')).toBe(false);
    expect(proxy.tunnels).toEqual([`127.0.0.1:${front.port}`]);
    const unverified = storage({ endpointUrl: front.url, proxies: { https: proxyAddress(proxy) } });
    await expect(unverified.exists('proxy/none.txt')).rejects.toBeInstanceOf(StorageError);
  });
});
