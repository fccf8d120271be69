import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getStorageToken, InMemoryStorage } from 'nestjs-storages';
import request from 'supertest';
import { AppModule } from './../src/app.module';

describe('Uploads (e2e)', () => {
  let app: INestApplication;
  let storage: InMemoryStorage;

  beforeEach(async () => {
    storage = new InMemoryStorage();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(getStorageToken('default'))
      .useValue(storage)
      .compile();
    app = moduleRef.createNestApplication();
    await app.init();
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
