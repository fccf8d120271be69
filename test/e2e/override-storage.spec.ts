/**
 * A user's e2e test replaces a storage with `overrideProvider(getStorageToken(name))`: the
 * upload interceptors, `StorageManager` and the injected storage all see the replacement, and
 * nothing reaches S3, also when the real storage has no bucket at all.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Controller, Post, UploadedFile, UseInterceptors, type INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import {
  getStorageToken,
  InMemoryStorage,
  S3Storage,
  StorageFileInterceptor,
  StorageManager,
  StorageModule,
  type StoredFile,
} from '../../lib/index.js';
import { rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

@Controller()
class UploadController {
  @Post('file')
  @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'docs' }))
  file(@UploadedFile() file: StoredFile) {
    return file;
  }
}

async function start(options: object, fake: InMemoryStorage): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [StorageModule.forRoot({ storages: { default: { backend: S3Storage, options } } })],
    controllers: [UploadController],
  })
    .overrideProvider(getStorageToken('default'))
    .useValue(fake)
    .compile();
  const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

async function upload(app: INestApplication, name: string, text: string) {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), name);
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const response = await fetch(`${base}/file`, { method: 'POST', body: form });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the route's JSON answer
  return { status: response.status, body: (await response.json()) as any };
}

describe('overrideProvider(getStorageToken(name)) in an e2e test', () => {
  it('makes StorageFileInterceptor store the upload in the override, not in the S3 bucket', async () => {
    const location = uniqueLocation('override');
    const fake = new InMemoryStorage({ baseUrl: '/fake/' });
    const app = await start(s3Options({ location }), fake);
    try {
      const { status, body } = await upload(app, 'hello.txt', 'hello, fake');
      expect(status).toBe(201);
      expect(body).toMatchObject({ name: 'docs/hello.txt', size: 11, storage: 'default', url: '/fake/docs/hello.txt' });
      expect((await (await fake.open('docs/hello.txt')).read()).toString()).toBe('hello, fake');
      const head = rawClient().send(
        new HeadObjectCommand({ Bucket: server.bucket, Key: `${location}/docs/hello.txt` }),
      );
      await expect(head).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
      expect(app.get(StorageManager).get('default')).toBe(fake);
      expect(app.get(StorageManager).get()).toBe(app.get(getStorageToken('default')));
    } finally {
      await app.close();
    }
  });

  it('works when the real storage has no bucket configured at all', async () => {
    const fake = new InMemoryStorage();
    const app = await start({}, fake);
    try {
      const { status, body } = await upload(app, 'report.txt', 'no bucket needed');
      expect(status).toBe(201);
      expect(body).toMatchObject({ name: 'docs/report.txt', storage: 'default' });
      expect(await fake.exists('docs/report.txt')).toBe(true);
      expect(app.get(StorageManager).get()).toBe(fake);
    } finally {
      await app.close();
    }
  });
});
