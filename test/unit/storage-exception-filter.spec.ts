/**
 * `StorageExceptionFilter` on Express and on Fastify: a missing file is a 404, a name that climbs
 * out of the storage a 400, a storage that failed a 502; each answer names the file and keeps
 * the storage's location, server paths and the backend's details to itself.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Delete, Get, Query, type INestApplication } from '@nestjs/common';
import * as express from '@nestjs/platform-express';
import * as fastify from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  FileSystemStorage,
  InjectStorage,
  InMemoryStorage,
  S3Storage,
  StorageError,
  StorageExceptionFilter,
  StorageModule,
  type Storage,
} from '../../lib/index.js';

@Controller()
class FilesController {
  constructor(
    @InjectStorage() private readonly media: Storage,
    @InjectStorage('disk') private readonly disk: FileSystemStorage,
  ) {}

  @Get('size')
  size(@Query('name') name: string) {
    return this.media.size(name);
  }

  @Delete('files')
  async delete(@Query('name') name: string) {
    await this.media.delete(name);
    return { deleted: name };
  }

  @Get('disk-path')
  path(@Query('name') name: string) {
    return this.disk.path(name);
  }

  @Get('denied')
  denied() {
    const cause = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    throw new StorageError("S3 GetObject of 'media/secret/report.pdf' failed (HTTP 403): AccessDenied: Access Denied", {
      cause,
      statusCode: 403,
    });
  }

  @Get('offline')
  offline(@Query('name') name: string) {
    return new S3Storage({
      endpointUrl: 'http://127.0.0.1:9',
      bucketName: 'media',
      accessKey: 'AKIDEXAMPLE',
      secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      clientConfig: { maxAttempts: 1 },
    }).size(name);
  }
}

const adapters = [
  { name: 'Express', create: () => new express.ExpressAdapter() },
  { name: 'Fastify', create: () => new fastify.FastifyAdapter() },
];

describe.each(adapters)('StorageExceptionFilter on $name', ({ create }) => {
  let app: INestApplication;
  let base: string;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'storage-filter-'));
    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRoot({
          storages: {
            default: { backend: InMemoryStorage, options: { location: 'media' } },
            disk: { backend: FileSystemStorage, options: { location: root } },
          },
        }),
      ],
      controllers: [FilesController],
    }).compile();
    app = moduleRef.createNestApplication(create(), { logger: false });
    app.useGlobalFilters(new StorageExceptionFilter());
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app?.close());

  async function request(method: string, path: string) {
    const response = await fetch(`${base}${path}`, { method });
    return { status: response.status, body: (await response.json()) as { message: string; statusCode: number } };
  }

  it('answers 404 for a missing file, naming it', async () => {
    const { status, body } = await request('GET', '/size?name=docs/missing.txt');
    expect(status).toBe(404);
    expect(body).toEqual({ statusCode: 404, error: 'Not Found', message: "File 'missing.txt' does not exist" });
  });

  it('answers 400 with the reason for a name that climbs out of the storage', async () => {
    const { status, body } = await request('DELETE', '/files?name=../../etc/passwd');
    expect(status).toBe(400);
    expect(body.message).toBe("Attempted access to '../../etc/passwd' denied.");
  });

  it("answers 400 without the server's paths when a filesystem storage refuses a name", async () => {
    const { status, body } = await request('GET', '/disk-path?name=../../etc/passwd');
    expect(status).toBe(400);
    expect(body.message).toBe('The joined path (…) is located outside of the base path component (…)');
    expect(JSON.stringify(body)).not.toContain(root);
  });

  it('answers 502 for a storage that refused access, naming the file and not its key', async () => {
    const { status, body } = await request('GET', '/denied');
    expect(status).toBe(502);
    expect(body.message).toBe("The storage failed for 'report.pdf': it answered AccessDenied (HTTP 403)");
  });

  it('answers 502 for a storage that cannot be reached, with no endpoint or credential', async () => {
    const { status, body } = await request('GET', '/offline?name=a.txt');
    expect(status).toBe(502);
    expect(body.message).toBe("The storage failed for 'a.txt': it could not be reached (ECONNREFUSED)");
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|AKIDEXAMPLE|wJalr/);
  });
});
