import { Body, Controller, Get, Param, Post, Put, UploadedFile, UseInterceptors } from '@nestjs/common';
import { InjectStorage, Storage, StorageFileInterceptor } from 'nestjs-storages';
import type { StoredFile } from 'nestjs-storages';

@Controller('files')
export class FilesController {
  constructor(@InjectStorage() private readonly storage: Storage) {}

  @Post()
  @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'uploads' }))
  upload(@UploadedFile() file: StoredFile) {
    return { name: file.name, size: file.size };
  }

  @Put(':name')
  async save(@Param('name') name: string, @Body() body: { content: string }) {
    return { name: await this.storage.save(`uploads/${name}`, body.content) };
  }

  @Get(':name')
  async stat(@Param('name') name: string) {
    return { name, size: await this.storage.size(`uploads/${name}`) };
  }
}
