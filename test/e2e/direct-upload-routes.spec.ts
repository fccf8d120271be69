/**
 * StorageUploadModule's routes over real HTTP, against the real S3 server, called the way
 * `@uppy/aws-s3` calls them with `companionEndpoint` (Companion's S3 routes): the server names
 * every object, refuses what it did not hand out, and holds `maxSize` and `allowedTypes`.
 * The browser itself, with the real Uppy, is in uppy-browser.spec.ts.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Injectable, type CanActivate, type ExecutionContext, type INestApplication } from '@nestjs/common';
import * as express from '@nestjs/platform-express';
import * as fastify from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { S3Storage, StorageModule, StorageUploadModule } from '../../lib/index.js';
import { operationOf } from '../support/counting-proxy.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { itFaithful, rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

const MiB = 1024 * 1024;
const s3 = rawClient();
const location = uniqueLocation('direct-routes');
/** A whole 1×1 PNG: file-type reads past the signature, so random bytes after it would not do. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** Lets a request through only with `authorization: Bearer letmein`: a guard as an app has one. */
@Injectable()
class BearerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest().headers.authorization === 'Bearer letmein';
  }
}

const adapters = [
  { name: 'Express', create: () => new express.ExpressAdapter() },
  { name: 'Fastify', create: () => new fastify.FastifyAdapter() },
];

let app: INestApplication;
let base: string;

/** Every request of the 'recorded' storage, to count what the server itself asks of S3. */
let recorder: FaultProxy;
beforeAll(async () => (recorder = await startFaultProxy(server.endpoint)));
afterAll(async () => {
  await recorder.close();
  s3.destroy();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function keys(): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `${location}/` }));
  return (page.Contents ?? []).map((object) => object.Key!);
}

const q = (key: string) => `?${new URLSearchParams({ key })}`;

/** Create, sign and PUT each part, complete: what Uppy's multipart path does. */
async function uploadMultipart(endpoint: string, filename: string, type: string, parts: Buffer[]) {
  const created = await call('POST', `/${endpoint}/s3/multipart`, { filename, type, metadata: { name: filename } });
  expect(created.status).toBe(200);
  const { key, uploadId } = created.json as { key: string; uploadId: string };
  const done: Array<{ PartNumber: number; ETag: string }> = [];
  for (const [i, body] of parts.entries()) {
    const signed = await call('GET', `/${endpoint}/s3/multipart/${encodeURIComponent(uploadId)}/${i + 1}${q(key)}`);
    expect(signed.status).toBe(200);
    const put = await fetch(signed.json.url, { method: 'PUT', body });
    expect(put.status).toBe(200);
    done.push({ PartNumber: i + 1, ETag: put.headers.get('etag')!.replace(/"/g, '') });
  }
  const complete = await call('POST', `/${endpoint}/s3/multipart/${encodeURIComponent(uploadId)}/complete${q(key)}`, {
    parts: done,
  });
  return { key, uploadId, complete };
}

describe.each(adapters)('StorageUploadModule routes (Companion S3 routes) on $name', ({ create }) => {
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRoot({
          storages: {
            default: { backend: S3Storage, options: s3Options({ location }) },
            recorded: { backend: S3Storage, options: s3Options({ location, endpointUrl: recorder.endpoint }) },
          },
        }),
        StorageUploadModule.forRoot({ storage: 'recorded', path: 'recorded', allowedTypes: ['image/png'] }),
        StorageUploadModule.forRoot({ uploadTo: 'uploads/%Y', maxSize: 6 * MiB, secret: 'shared' }),
        StorageUploadModule.forRoot({
          path: 'images',
          uploadTo: 'images',
          allowedTypes: ['image/*'],
          secret: 'shared',
        }),
        StorageUploadModule.forRoot({ path: 'private', uploadTo: 'private', guards: [BearerGuard] }),
      ],
    }).compile();
    app = moduleRef.createNestApplication(create(), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(() => app?.close());

  it('multipart: the server names the object, the parts go to S3, and complete answers its url', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(1000)];
    const { key, complete } = await uploadMultipart('storage-uploads', '../../etc/pass wd.bin', '', parts);
    expect(key).toBe(`uploads/${new Date().getFullYear()}/pass_wd.bin`);
    expect(complete.status).toBe(200);
    expect(complete.json).toEqual({ key, location: expect.stringContaining(`${location}/${key}`) });
    const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: `${location}/${key}` }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
    expect(object.ContentType).toBe('application/octet-stream');
    const download = await fetch(complete.json.location);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.concat(parts))).toBe(true);
  });

  it('single request: a presigned POST for a name the server chose, pinned in its policy', async () => {
    const params = await call(
      'GET',
      `/storage-uploads/s3/params?filename=${encodeURIComponent('a/b/notes.txt')}&type=text/plain`,
    );
    expect(params.status).toBe(200);
    const { method, url, fields } = params.json;
    expect(method).toBe('POST');
    expect(fields.key).toBe(`${location}/uploads/${new Date().getFullYear()}/notes.txt`);
    expect(fields['Content-Type']).toBe('text/plain');
    const form = new FormData();
    for (const [name, value] of Object.entries(fields as Record<string, string>)) form.append(name, value);
    form.append('file', new Blob(['hello']));
    const posted = await fetch(url, { method: 'POST', body: form });
    expect(posted.status).toBeLessThan(300);
    const head = await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: fields.key }));
    expect(head.ContentLength).toBe(5);
  });

  itFaithful(
    'single request: the policy refuses a file over maxSize',
    's3rver does not check POST policies',
    async () => {
      const { json } = await call('GET', '/storage-uploads/s3/params?filename=big.bin');
      const form = new FormData();
      for (const [name, value] of Object.entries(json.fields as Record<string, string>)) form.append(name, value);
      form.append('file', new Blob([randomBytes(6 * MiB + 1)]));
      const posted = await fetch(json.url, { method: 'POST', body: form });
      expect(posted.status).toBe(400);
      expect(await posted.text()).toMatch(/EntityTooLarge/);
      expect(await keys()).not.toContain(json.fields.key);
    },
  );

  it('refuses an upload id it did not hand out (404) and a key that is not its upload’s (403), writing nothing', async () => {
    const created = await call('POST', '/storage-uploads/s3/multipart', { filename: 'mine.bin' });
    const { key, uploadId } = created.json;
    const s3UploadId = uploadId.slice(0, uploadId.lastIndexOf('.'));
    const before = await keys();
    const forged = [s3UploadId, `${s3UploadId}.${'A'.repeat(44)}`, 'nope'];
    for (const id of forged) {
      const path = `/storage-uploads/s3/multipart/${encodeURIComponent(id)}`;
      for (const [method, route, body] of [
        ['GET', `${path}/1${q(key)}`],
        ['GET', `${path}${q(key)}`],
        ['POST', `${path}/complete${q(key)}`, { parts: [{ PartNumber: 1, ETag: 'x' }] }],
        ['DELETE', `${path}${q(key)}`],
      ] as const) {
        const answer = await call(method, route, body);
        expect([route, answer.status]).toEqual([route, 404]);
        expect(answer.json.message).toBe('Unknown upload');
      }
    }
    const path = `/storage-uploads/s3/multipart/${encodeURIComponent(uploadId)}`;
    for (const other of ['uploads/other.bin', `../${key}`, key.toUpperCase()]) {
      const sign = await call('GET', `${path}/1${q(other)}`);
      expect(sign.status).toBe(403);
      const complete = await call('POST', `${path}/complete${q(other)}`, { parts: [{ PartNumber: 1, ETag: 'x' }] });
      expect(complete.status).toBe(403);
    }
    expect(await keys()).toEqual(before);
  });

  it('refuses an upload started under other routes’ rules, even with the same secret', async () => {
    const { key, uploadId } = (await call('POST', '/images/s3/multipart', { filename: 'x.png', type: 'image/png' }))
      .json;
    const path = `/storage-uploads/s3/multipart/${encodeURIComponent(uploadId)}`;
    expect((await call('GET', `${path}/1${q(key)}`)).status).toBe(404);
    expect((await call('POST', `${path}/complete${q(key)}`, { parts: [{ PartNumber: 1, ETag: 'x' }] })).status).toBe(
      404,
    );
    expect((await call('GET', `/images/s3/multipart/${encodeURIComponent(uploadId)}/1${q(key)}`)).status).toBe(200);
  });

  it('answers bad input with a 4xx and a JSON message, never a 500', async () => {
    const { key, uploadId } = (await call('POST', '/storage-uploads/s3/multipart', { filename: 'bad.bin' })).json;
    const path = `/storage-uploads/s3/multipart/${encodeURIComponent(uploadId)}`;
    const cases: Array<[string, string, unknown?]> = [
      ['GET', `${path}/0${q(key)}`],
      ['GET', `${path}/10001${q(key)}`],
      ['GET', `${path}/1.5${q(key)}`],
      ['GET', `${path}/abc${q(key)}`],
      ['GET', `${path}/1`],
      ['POST', `${path}/complete${q(key)}`, '{"parts": [{'],
      ['POST', `${path}/complete${q(key)}`, { parts: [] }],
      ['POST', `${path}/complete${q(key)}`, { parts: [{ PartNumber: 0, ETag: 'x' }] }],
      ['POST', `${path}/complete${q(key)}`, { parts: 'all' }],
      ['POST', '/storage-uploads/s3/multipart', '{not json'],
      ['POST', '/storage-uploads/s3/multipart', { filename: '' }],
      ['POST', '/storage-uploads/s3/multipart', { filename: 'x.bin', type: 42 }],
      ['POST', '/storage-uploads/s3/multipart', { filename: 'x.bin', size: -1 }],
      ['GET', '/storage-uploads/s3/params'],
      ['GET', '/storage-uploads/s3/params?filename=..'],
    ];
    for (const [method, route, body] of cases) {
      const answer = await call(method, route, body);
      expect([method, route, answer.status >= 400 && answer.status < 500]).toEqual([method, route, true]);
      expect(answer.json).toHaveProperty('message');
    }
  });

  it('maxSize: refused at create when declared, when a part number cannot fit, and deleted at complete (413)', async () => {
    expect(
      (await call('POST', '/storage-uploads/s3/multipart', { filename: 'huge.bin', size: 6 * MiB + 1 })).status,
    ).toBe(413);
    const { key, uploadId } = (await call('POST', '/storage-uploads/s3/multipart', { filename: 'huge.bin' })).json;
    // Parts 1 and 2 are at least 5 MiB each: a third part means more than 6 MiB.
    expect((await call('GET', `/storage-uploads/s3/multipart/${encodeURIComponent(uploadId)}/3${q(key)}`)).status).toBe(
      413,
    );
    const over = await uploadMultipart('storage-uploads', 'over.bin', '', [randomBytes(5 * MiB), randomBytes(MiB + 1)]);
    expect(over.complete.status).toBe(413);
    expect(over.complete.json.message).toBe('File too large');
    expect(await keys()).not.toContain(`${location}/${over.key}`);
  });

  it('allowedTypes: the declared type at create, the magic numbers at complete (415, deleted)', async () => {
    expect((await call('POST', '/images/s3/multipart', { filename: 'a.txt', type: 'text/plain' })).status).toBe(415);
    expect((await call('GET', '/images/s3/params?filename=a.png&type=image/png')).status).toBe(400);

    const good = await uploadMultipart('images', 'dot.png', 'image/png', [PNG]);
    expect(good.complete.status).toBe(200);
    expect(await keys()).toContain(`${location}/images/dot.png`);

    const liar = await uploadMultipart('images', 'fake.png', 'image/png', [Buffer.from('#!/bin/sh\nrm -rf /\n')]);
    expect(liar.complete.status).toBe(415);
    expect(await keys()).not.toContain(`${location}/${liar.key}`);
  });

  it('costs the server 3 S3 requests: create, complete and one HEAD, and one ranged GET with allowedTypes', async () => {
    recorder.clear();
    const { complete } = await uploadMultipart('recorded', 'counted.png', 'image/png', [PNG]);
    expect(complete.status).toBe(200);
    const server = recorder.requests.filter((r) => !/[?&]partNumber=/.test(r.url));
    expect(server.map((r) => operationOf(r.method, r.url))).toEqual([
      'CreateMultipartUpload',
      'CompleteMultipartUpload',
      'HEAD',
      'GET',
    ]);
    expect(server[3].range).toBe('bytes=0-4099');
  });

  it('the guards given to the module protect its routes', async () => {
    expect((await call('POST', '/private/s3/multipart', { filename: 'p.bin' })).status).toBe(403);
    expect((await call('GET', '/private/s3/params?filename=p.bin')).status).toBe(403);
    const allowed = await call(
      'POST',
      '/private/s3/multipart',
      { filename: 'p.bin' },
      { authorization: 'Bearer letmein' },
    );
    expect(allowed.status).toBe(200);
    expect(allowed.json.key).toBe('private/p.bin');
  });

  itFaithful(
    'lists the parts and aborts, as Uppy resumes and cancels',
    's3rver has no ListParts nor AbortMultipartUpload',
    async () => {
      const { key, uploadId } = (await call('POST', '/storage-uploads/s3/multipart', { filename: 'resume.bin' })).json;
      const path = `/storage-uploads/s3/multipart/${encodeURIComponent(uploadId)}`;
      const signed = await call('GET', `${path}/1${q(key)}`);
      const put = await fetch(signed.json.url, { method: 'PUT', body: randomBytes(5 * MiB) });
      const listed = await call('GET', `${path}${q(key)}`);
      expect(listed.json).toEqual([{ PartNumber: 1, ETag: put.headers.get('etag')!.replace(/"/g, ''), Size: 5 * MiB }]);
      expect((await call('DELETE', `${path}${q(key)}`)).status).toBe(200);
      expect((await call('GET', `${path}${q(key)}`)).status).toBe(404);
      expect((await call('DELETE', `${path}${q(key)}`)).status).toBe(404);
    },
  );

  it('refuses at start-up a storage without direct uploads', async () => {
    const { InMemoryStorage } = await import('../../lib/index.js');
    const moduleRef = Test.createTestingModule({
      imports: [
        StorageModule.forRoot({ storages: { default: { backend: InMemoryStorage } } }),
        StorageUploadModule.forRoot(),
      ],
    });
    await expect(moduleRef.compile()).rejects.toThrow(/needs a storage with direct uploads \(S3Storage\)/);
  });
});
