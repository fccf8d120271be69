import { Controller, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { StorageFileInterceptor, type StoredFile } from 'nestjs-storages';

@Controller('avatars')
export class AvatarsController {
  @Post()
  @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'avatars/%Y/%m', limits: { fileSize: 5 * 2 ** 20 } }))
  upload(@UploadedFile() file: StoredFile) {
    return { name: file.name, size: file.size, url: file.url };
  }
}
