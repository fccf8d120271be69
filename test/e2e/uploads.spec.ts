/**
 * Uploads over real HTTP into the real S3 server, on Express and on Fastify: a Nest app with
 * StorageModule and a controller using StorageFileInterceptor / StorageFilesInterceptor, and a
 * plain FileInterceptor with `multerStorage` set through MulterModule / MultipartModule.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { extname } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import {
  Controller,
  Post,
  UnsupportedMediaTypeException,
  UploadedFile,
  UploadedFiles,
  UseInterceptors,
  type INestApplication,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import * as express from '@nestjs/platform-express';
import * as fastify from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  multerStorage,
  S3Storage,
  StorageFileInterceptor,
  StorageFilesInterceptor,
  StorageManager,
  StorageModule,
  type MulterStorageEngine,
  type StoredFile,
} from '../../lib/index.js';
import { faithful, rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';
import { startUpload } from '../support/multipart.js';

const MiB = 1024 * 1024;
const transferConfig = { partSize: 5 * MiB, multipartThreshold: 5 * MiB };
const s3 = rawClient();

/** The plain engine's callbacks, seen from outside it: how a disconnect test knows the engine is done. */
class EngineSpy {
  received = 0;
  private waiting: Array<{ bytes: number; resolve: () => void }> = [];
  private callbacks: Array<(error: unknown) => void> = [];

  wrap(engine: MulterStorageEngine): MulterStorageEngine {
    return {
      _handleFile: (req, file, callback) => {
        engine._handleFile(req, file, (error, info) => {
          this.callbacks.shift()?.(error);
          callback(error, info);
        });
        file.stream.on('data', (chunk: Buffer) => {
          this.received += chunk.length;
          this.waiting = this.waiting.filter((w) => (this.received >= w.bytes ? void w.resolve() : true));
        });
      },
      _removeFile: (req, file, callback) => engine._removeFile(req, file, callback),
    };
  }

  /** Resolves once the engine has been handed `bytes` bytes of the file. */
  receivedAtLeast(bytes: number): Promise<void> {
    return new Promise((resolve) => this.waiting.push({ bytes, resolve }));
  }

  /** Resolves with the error (or undefined) of the engine's next callback. */
  nextCallback(): Promise<unknown> {
    return new Promise((resolve) => this.callbacks.push(resolve));
  }
}

function uploadController(plain: { FileInterceptor(field: string, options?: object): Type<NestInterceptor> }) {
  @Controller()
  class UploadController {
    @Post('file')
    @UseInterceptors(StorageFileInterceptor('file'))
    file(@UploadedFile() file: StoredFile) {
      return file;
    }

    @Post('docs')
    @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'docs' }))
    docs(@UploadedFile() file: StoredFile) {
      return file;
    }

    @Post('avatar')
    @UseInterceptors(
      StorageFileInterceptor('file', {
        uploadTo: (file, req) => `users/${req.body.user}/avatar${extname(file.originalname)}`,
      }),
    )
    avatar(@UploadedFile() file: StoredFile) {
      return file;
    }

    @Post('unique')
    @UseInterceptors(StorageFileInterceptor('file', { storage: 'unique', uploadTo: 'unique' }))
    unique(@UploadedFile() file: StoredFile) {
      return file;
    }

    @Post('text-only')
    @UseInterceptors(
      StorageFileInterceptor('file', {
        uploadTo: 'text-only',
        fileFilter: (_req, file, callback) =>
          file.mimetype === 'text/plain'
            ? callback(null, true)
            : callback(new UnsupportedMediaTypeException(`${file.mimetype} is not accepted here`)),
      }),
    )
    textOnly(@UploadedFile() file: StoredFile) {
      return file;
    }

    @Post('small')
    @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'small', limits: { fileSize: 1024 } }))
    small(@UploadedFile() file: StoredFile) {
      return file;
    }

    @Post('seven-mib')
    @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'seven-mib', limits: { fileSize: 7 * MiB } }))
    sevenMib(@UploadedFile() file: StoredFile) {
      return file;
    }

    @Post('many')
    @UseInterceptors(StorageFilesInterceptor('files', 3, { uploadTo: 'many', limits: { fileSize: MiB } }))
    many(@UploadedFiles() files: StoredFile[]) {
      return files;
    }

    @Post('missing-bucket')
    @UseInterceptors(StorageFileInterceptor('file', { storage: 'missingBucket' }))
    missingBucket(@UploadedFile() file: StoredFile) {
      return file;
    }

    @Post('offline')
    @UseInterceptors(StorageFileInterceptor('file', { storage: 'offline' }))
    offline(@UploadedFile() file: StoredFile) {
      return file;
    }

    // multerStorage through MulterModule / MultipartModule (see below), the adapter's own interceptor.
    @Post('plain')
    @UseInterceptors(plain.FileInterceptor('file'))
    plain(@UploadedFile() file: StoredFile) {
      return file;
    }

    @Post('plain-limited')
    @UseInterceptors(plain.FileInterceptor('file', { limits: { fileSize: 7 * MiB } }))
    plainLimited(@UploadedFile() file: StoredFile) {
      return file;
    }
  }
  return UploadController;
}

/** A loopback port nothing listens on: an S3 server that is down. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const adapters = [
  {
    name: 'Express',
    create: () => new express.ExpressAdapter(),
    plain: express,
    defaults: (spy: EngineSpy) =>
      express.MulterModule.registerAsync({
        inject: [StorageManager],
        useFactory: (storages: StorageManager) => ({
          storage: spy.wrap(multerStorage(storages.get('default'), { uploadTo: 'plain' })),
        }),
      }),
  },
  {
    name: 'Fastify',
    // @fastify/multipart caps files at Fastify's bodyLimit (1 MiB) unless told otherwise.
    create: () => new fastify.FastifyAdapter({ multipart: { limits: { fileSize: 64 * MiB } } }),
    plain: fastify,
    defaults: (spy: EngineSpy) =>
      fastify.MultipartModule.registerAsync({
        inject: [StorageManager],
        useFactory: (storages: StorageManager) => ({
          storage: spy.wrap(multerStorage(storages.get('default'), { uploadTo: 'plain' })),
        }),
      }),
  },
];

describe.each(adapters)('uploads on $name', ({ name, create, plain, defaults }) => {
  const location = uniqueLocation(`uploads-${name.toLowerCase()}`);
  const spy = new EngineSpy();
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const storage = { backend: S3Storage, options: s3Options({ location, transferConfig }) };
    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRoot({
          storages: {
            default: storage,
            unique: { ...storage, options: { ...storage.options, fileOverwrite: false } },
            missingBucket: {
              ...storage,
              options: { ...storage.options, bucketName: `missing-${randomBytes(6).toString('hex')}` },
            },
            offline: {
              ...storage,
              options: { ...storage.options, endpointUrl: `http://127.0.0.1:${await closedPort()}` },
            },
          },
        }),
        defaults(spy),
      ],
      controllers: [uploadController(plain)],
    }).compile();
    app = moduleRef.createNestApplication(create(), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(() => app?.close());

  async function post(path: string, parts: Array<[field: string, value: string | Blob, filename?: string]>) {
    const form = new FormData();
    for (const [field, value, filename] of parts) {
      if (typeof value === 'string') form.append(field, value);
      else form.append(field, value, filename);
    }
    const response = await fetch(`${base}/${path}`, { method: 'POST', body: form });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON body, of whatever the route answers
    return { status: response.status, body: (await response.json()) as any };
  }

  const key = (name: string) => `${location}/${name}`;

  async function stored(name: string): Promise<Buffer> {
    const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: key(name) }));
    return Buffer.from(await object.Body!.transformToByteArray());
  }

  async function exists(name: string): Promise<boolean> {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key(name) }));
      return true;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: key(prefix) }));
    return (page.Contents ?? []).map((object) => object.Key!);
  }

  async function multipartUploads(prefix: string): Promise<string[]> {
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: key(prefix) }));
    return (page.Uploads ?? []).map((upload) => upload.Key!);
  }

  const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

  it('stores a small file and describes it in req.file', async () => {
    const { status, body } = await post('file', [
      ['file', new Blob(['hello, storage'], { type: 'text/plain' }), 'hello.txt'],
    ]);

    expect(status).toBe(201);
    expect(body).toEqual({
      fieldname: 'file',
      originalname: 'hello.txt',
      encoding: '7bit',
      mimetype: 'text/plain',
      name: 'hello.txt',
      size: 14,
      contentType: 'text/plain',
      storage: 'default',
      url: expect.stringContaining(`/${location}/hello.txt?`),
      etag: createHash('md5').update('hello, storage').digest('hex'),
    });
    expect((await stored('hello.txt')).toString()).toBe('hello, storage');
    const head = await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key('hello.txt') }));
    expect(head.ContentType).toBe('text/plain');
    expect(head.ETag).toBe(`"${body.etag}"`);
    expect(await (await fetch(body.url)).text()).toBe('hello, storage');
  });

  it('streams a file larger than a part as a multipart upload, byte for byte, and counts its size', async () => {
    const content = randomBytes(12 * MiB + 12345);
    const { status, body } = await post('file', [['file', new Blob([content]), 'big.bin']]);

    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'big.bin', size: content.length, contentType: 'application/octet-stream' });
    expect(sha256(await stored('big.bin'))).toBe(sha256(content));
  });

  it('guesses the content type from the name when the part declares only application/octet-stream', async () => {
    const { body } = await post('file', [['file', new Blob(['%PDF-1.4']), 'report.pdf']]);

    expect(body).toMatchObject({ mimetype: 'application/octet-stream', contentType: 'application/pdf' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key('report.pdf') }));
    expect(head.ContentType).toBe('application/pdf');
  });

  it("joins the client's file name to an uploadTo folder, made valid as Django does", async () => {
    const { body } = await post('docs', [['file', new Blob(['notes']), 'my notes (1).txt']]);

    expect(body.name).toBe('docs/my_notes_1.txt');
    expect((await stored('docs/my_notes_1.txt')).toString()).toBe('notes');
  });

  it('takes the whole name from an uploadTo function of the file and the request', async () => {
    const { body } = await post('avatar', [
      ['user', '42'],
      ['file', new Blob(['png'], { type: 'image/png' }), 'me.png'],
    ]);

    expect(body).toMatchObject({ name: 'users/42/avatar.png', contentType: 'image/png' });
    expect(await exists('users/42/avatar.png')).toBe(true);
  });

  it('gives each upload a name of its own when the storage does not overwrite', async () => {
    const first = await post('unique', [['file', new Blob(['one']), 'same.txt']]);
    const second = await post('unique', [['file', new Blob(['two']), 'same.txt']]);

    expect(first.body).toMatchObject({ name: 'unique/same.txt', storage: 'unique' });
    expect(second.body.name).toMatch(/^unique\/same_[A-Za-z0-9]{7}\.txt$/);
    expect((await stored('unique/same.txt')).toString()).toBe('one');
    expect((await stored(second.body.name)).toString()).toBe('two');
  });

  it("refuses what fileFilter refuses, with the HttpException's status", async () => {
    const { status, body } = await post('text-only', [['file', new Blob(['x'], { type: 'image/png' }), 'x.png']]);

    expect(status).toBe(415);
    expect(body.message).toBe('image/png is not accepted here');
    expect(await keysUnder('text-only/')).toEqual([]);
  });

  it('answers 413 for a file over limits.fileSize and stores nothing of it', async () => {
    const { status, body } = await post('small', [['file', new Blob([randomBytes(4096)]), 'small.bin']]);

    expect(status).toBe(413);
    expect(body.message).toBe('File too large');
    expect(await exists('small/small.bin')).toBe(false);
  });

  it('aborts a multipart upload when the file crosses limits.fileSize, leaving no object and no parts', async () => {
    const { status } = await post('seven-mib', [['file', new Blob([randomBytes(12 * MiB)]), 'large.bin']]);

    expect(status).toBe(413);
    expect(await exists('seven-mib/large.bin')).toBe(false);
    if (faithful) expect(await multipartUploads('seven-mib/')).toEqual([]);
  });

  it('aborts the save as the limit is crossed, rather than storing a truncated file and deleting it', async () => {
    const calledBack = spy.nextCallback();
    const { status } = await post('plain-limited', [['file', new Blob([randomBytes(12 * MiB)]), 'cut.bin']]);

    expect(status).toBe(413);
    expect(await calledBack).toMatchObject({ status: 413 });
    expect(await exists('plain/cut.bin')).toBe(false);
    if (faithful) expect(await multipartUploads('plain/cut')).toEqual([]);
  });

  it('stores several files, and removes the earlier ones when a later file fails', async () => {
    const ok = await post('many', [
      ['files', new Blob(['a']), 'a.txt'],
      ['files', new Blob(['b']), 'b.txt'],
    ]);
    expect(ok.status).toBe(201);
    expect(ok.body.map((file: StoredFile) => [file.name, file.size])).toEqual([
      ['many/a.txt', 1],
      ['many/b.txt', 1],
    ]);

    const failed = await post('many', [
      ['files', new Blob(['c']), 'c.txt'],
      ['files', new Blob(['d']), 'd.txt'],
      ['files', new Blob([randomBytes(2 * MiB)]), 'e.bin'],
    ]);
    expect(failed.status).toBe(413);
    expect((await keysUnder('many/')).sort()).toEqual([key('many/a.txt'), key('many/b.txt')]);
  });

  it('answers 502 with a clear message when the bucket does not exist', async () => {
    const { status, body } = await post('missing-bucket', [['file', new Blob([randomBytes(6 * MiB)]), 'lost.bin']]);

    expect(status).toBe(502);
    expect(body.message).toBe(
      "Could not save 'lost.bin' to storage 'missingBucket': the storage answered NoSuchBucket (HTTP 404)",
    );
  });

  it('answers 502 with a clear message when the S3 server cannot be reached', async () => {
    const { status, body } = await post('offline', [['file', new Blob(['x']), 'x.txt']]);

    expect(status).toBe(502);
    expect(body.message).toBe(
      "Could not save 'x.txt' to storage 'offline': the storage could not be reached (ECONNREFUSED)",
    );
    expect(JSON.stringify(body)).not.toContain(server.secretKey);
  });

  it('works as the storage of a plain FileInterceptor', async () => {
    const content = randomBytes(100_000);
    const { status, body } = await post('plain', [['file', new Blob([content]), 'plain.bin']]);

    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'plain/plain.bin', size: content.length, storage: 'default' });
    expect(sha256(await stored('plain/plain.bin'))).toBe(sha256(content));
  });

  it('aborts the save when the client disconnects mid-upload: no object, no multipart upload, callback with an error', async () => {
    const upload = startUpload(`${base}/plain`, 'file', 'gone.bin');
    const received = spy.receivedAtLeast(spy.received + 11 * MiB);
    const calledBack = spy.nextCallback();
    await upload.send(11 * MiB); // two parts of 5 MiB on their way to S3, the rest buffered
    await received;
    if (faithful) {
      // The multipart upload exists on the server before the client goes away.
      for (let i = 0; i < 200 && !(await multipartUploads('plain/gone')).length; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(await multipartUploads('plain/gone')).toEqual([key('plain/gone.bin')]);
    }
    upload.disconnect();

    // An Error, of whichever realm made it (Node's own stream errors are not of Jest's).
    expect(Object.prototype.toString.call(await calledBack)).toBe('[object Error]');
    expect(await exists('plain/gone.bin')).toBe(false);
    if (faithful) expect(await multipartUploads('plain/')).toEqual([]);
  });
});

afterAll(() => s3.destroy());
