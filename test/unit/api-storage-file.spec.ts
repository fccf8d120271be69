/**
 * `ApiStorageFile` / `ApiStorageFiles` in the document `@nestjs/swagger` builds: the upload route
 * takes `multipart/form-data` with a binary field of the interceptor's name.
 */
import { Controller, Post, UploadedFile, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import {
  ApiStorageFile,
  ApiStorageFiles,
  InMemoryStorage,
  StorageFileInterceptor,
  StorageFilesInterceptor,
  StorageModule,
  type StoredFile,
} from '../../lib/index.js';

@Controller()
class UploadController {
  @Post('avatar')
  @ApiStorageFile()
  @UseInterceptors(StorageFileInterceptor('file'))
  avatar(@UploadedFile() file: StoredFile) {
    return file;
  }

  @Post('photos')
  @ApiStorageFiles('photos', 5)
  @UseInterceptors(StorageFilesInterceptor('photos', 5))
  photos(@UploadedFiles() files: StoredFile[]) {
    return files;
  }
}

describe('ApiStorageFile and ApiStorageFiles', () => {
  it('document upload routes as multipart/form-data with binary fields', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot({ storages: { default: { backend: InMemoryStorage } } })],
      controllers: [UploadController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    await app.close();

    expect(document.paths['/avatar'].post?.requestBody).toEqual({
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: { file: { type: 'string', format: 'binary' } },
            required: ['file'],
          },
        },
      },
    });
    expect(document.paths['/photos'].post?.requestBody).toMatchObject({
      content: {
        'multipart/form-data': {
          schema: {
            properties: { photos: { type: 'array', items: { type: 'string', format: 'binary' }, maxItems: 5 } },
          },
        },
      },
    });
  });
});
