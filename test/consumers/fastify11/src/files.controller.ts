import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { InjectStorage, Storage } from 'nestjs-storages';

// NestJS 11's Fastify adapter has no upload interceptors: this app stores request bodies only
// (test/upload.e2e-spec.ts shows the start-up error StorageFileInterceptor gives here).
@Controller('files')
export class FilesController {
  constructor(@InjectStorage() private readonly storage: Storage) {}

  @Put(':name')
  async save(@Param('name') name: string, @Body() body: { content: string }) {
    return { name: await this.storage.save(`uploads/${name}`, body.content) };
  }

  @Get(':name')
  async stat(@Param('name') name: string) {
    return { name, size: await this.storage.size(`uploads/${name}`) };
  }
}
