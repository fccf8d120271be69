/**
 * `allowedTypes` over real HTTP into the real S3 server, on Express and on Fastify: the type is
 * read from the file's first bytes, a refused file is answered 415 before the storage is asked
 * for anything (no object, no multipart upload: the proxy in front of S3 sees no request for
 * it), and an accepted file is stored with the detected type.
 */
import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { Controller, Post, UploadedFile, UploadedFiles, UseInterceptors, type INestApplication } from '@nestjs/common';
import * as express from '@nestjs/platform-express';
import * as fastify from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  S3Storage,
  StorageFileInterceptor,
  StorageFilesInterceptor,
  StorageModule,
  type StoredFile,
} from '../../lib/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { faithful, rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

const MiB = 1024 * 1024;
/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
/** A 1×1 GIF. */
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=', 'base64');

@Controller()
class UploadController {
  @Post('png')
  @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'png', allowedTypes: ['image/png'] }))
  png(@UploadedFile() file: StoredFile) {
    return file;
  }

  @Post('images')
  @UseInterceptors(StorageFilesInterceptor('files', 3, { uploadTo: 'images', allowedTypes: ['image/*'] }))
  images(@UploadedFiles() files: StoredFile[]) {
    return files;
  }

  @Post('text')
  @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'text', allowedTypes: ['text/*', 'application/json'] }))
  text(@UploadedFile() file: StoredFile) {
    return file;
  }
}

const adapters = [
  { name: 'Express', create: () => new express.ExpressAdapter() },
  { name: 'Fastify', create: () => new fastify.FastifyAdapter({ multipart: { limits: { fileSize: 64 * MiB } } }) },
];

describe.each(adapters)('allowedTypes on $name', ({ name, create }) => {
  const location = uniqueLocation(`allowed-types-${name.toLowerCase()}`);
  const s3 = rawClient();
  let proxy: FaultProxy;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    proxy = await startFaultProxy(server.endpoint);
    const options = s3Options({ location, endpointUrl: proxy.endpoint, transferConfig: { partSize: 5 * MiB } });
    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot({ storages: { default: { backend: S3Storage, options } } })],
      controllers: [UploadController],
    }).compile();
    app = moduleRef.createNestApplication(create(), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    s3.destroy();
  });
  beforeEach(() => proxy.clear());

  async function post(path: string, files: Array<[field: string, content: Buffer, filename: string, type?: string]>) {
    const form = new FormData();
    for (const [field, content, filename, type] of files) form.append(field, new Blob([content], { type }), filename);
    const response = await fetch(`${base}/${path}`, { method: 'POST', body: form });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON body, of whatever the route answers
    return { status: response.status, body: (await response.json()) as any };
  }

  const key = (name: string) => `${location}/${name}`;
  const requestsFor = (name: string) => proxy.requests.filter((request) => request.key.startsWith(key(name)));

  async function contentTypeOf(name: string): Promise<string | undefined> {
    return (await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key(name) }))).ContentType;
  }

  it('stores a PNG with the detected type, whatever the client declared', async () => {
    const { status, body } = await post('png', [['file', PNG, 'photo.bin', 'application/octet-stream']]);

    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'png/photo.bin', size: PNG.length, detectedType: 'image/png' });
    expect(body.contentType).toBe('image/png');
    expect(await contentTypeOf('png/photo.bin')).toBe('image/png');
  });

  it('answers 415 for a GIF named and declared as a PNG, and asks the storage for nothing', async () => {
    const { status, body } = await post('png', [['file', GIF, 'fake.png', 'image/png']]);

    expect(status).toBe(415);
    expect(body.message).toBe("File 'fake.png' is image/gif; allowed types: image/png");
    expect(requestsFor('png/fake')).toEqual([]);
  });

  it('refuses a large file before any multipart upload exists', async () => {
    const { status } = await post('png', [['file', randomBytes(12 * MiB), 'large.png', 'image/png']]);

    expect(status).toBe(415);
    expect(requestsFor('png/large')).toEqual([]);
    if (faithful) {
      const { Uploads = [] } = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: key('png/') }),
      );
      expect(Uploads).toEqual([]);
    }
  });

  it('removes the images already stored when a later file of the request is refused', async () => {
    const { status } = await post('images', [
      ['files', GIF, 'one.gif', 'image/gif'],
      ['files', Buffer.from('%PDF-1.7\n'), 'two.png', 'image/png'],
    ]);

    expect(status).toBe(415);
    expect(requestsFor('images/two')).toEqual([]);
    await expect(contentTypeOf('images/one.gif')).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('accepts text on its declared type, and refuses binary content declared as text', async () => {
    const text = await post('text', [['file', Buffer.from('{"ok":true}'), 'data.json', 'application/json']]);
    expect(text.status).toBe(201);
    expect(text.body).toMatchObject({ name: 'text/data.json', contentType: 'application/json' });
    expect(text.body.detectedType).toBeUndefined();

    const png = await post('text', [['file', PNG, 'notes.txt', 'text/plain']]);
    expect(png.status).toBe(415);
    expect(png.body.message).toBe("File 'notes.txt' is image/png; allowed types: text/*, application/json");

    const binary = await post('text', [['file', Buffer.from([0x01, 0x00, 0x02, 0x00]), 'raw.txt', 'text/plain']]);
    expect(binary.status).toBe(415);
    expect(requestsFor('text/notes')).toEqual([]);
    expect(requestsFor('text/raw')).toEqual([]);
  });
});
