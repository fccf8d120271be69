import { Controller, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { getStorageToken, InMemoryStorage, StorageFileInterceptor } from 'nestjs-storages';
import type { StoredFile } from 'nestjs-storages';
import { AppModule } from './../src/app.module';

@Controller('files')
class UploadController {
  @Post()
  @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'uploads' }))
  upload(@UploadedFile() file: StoredFile) {
    return { name: file.name, size: file.size };
  }
}

// NestJS 11's Fastify adapter has no FileInterceptor for StorageFileInterceptor to hand its engine
// to: the application refuses to start, saying so, instead of failing on its first upload.
describe('Uploads on NestJS 11 with Fastify (e2e)', () => {
  it('refuses to start, naming what uploads on Fastify need', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule], controllers: [UploadController] })
      .overrideProvider(getStorageToken('default'))
      .useValue(new InMemoryStorage())
      .compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await expect(app.init()).rejects.toThrow(/need @nestjs\/platform-fastify 12 or later/);
    await app.close();
  });
});
