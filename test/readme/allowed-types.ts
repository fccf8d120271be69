import { Controller, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ApiStorageFile, StorageFileInterceptor, type StoredFile } from 'nestjs-storages';

@Controller('photos')
export class PhotosController {
  @Post()
  @ApiStorageFile('file')
  @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'photos', allowedTypes: ['image/png', 'image/jpeg'] }))
  upload(@UploadedFile() file: StoredFile) {
    return { name: file.name, type: file.detectedType };
  }
}
