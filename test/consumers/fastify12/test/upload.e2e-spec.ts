import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { getStorageToken, InMemoryStorage } from 'nestjs-storages';
import request from 'supertest';
import { AppModule } from './../src/app.module.js';

describe('Uploads (e2e)', () => {
  let app: NestFastifyApplication;
  let storage: InMemoryStorage;

  beforeEach(async () => {
    storage = new InMemoryStorage();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(getStorageToken('default'))
      .useValue(storage)
      .compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterEach(() => app.close());

  it('streams the file into the storage', async () => {
    await request(app.getHttpServer())
      .post('/files')
      .attach('file', Buffer.from('hello'), 'hello.txt')
      .expect(201)
      .expect({ name: 'uploads/hello.txt', size: 5 });
    expect(await storage.size('uploads/hello.txt')).toBe(5);
  });
});
