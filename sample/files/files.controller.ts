import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Post,
  Query,
  Redirect,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiStorageFile,
  InjectStorage,
  StorageFileInterceptor,
  type S3Storage,
  type StoredFile,
} from 'nestjs-storages';
import { FilesService } from './files.service.js';
import { renderPage } from './page.js';

@Controller()
export class FilesController {
  constructor(
    private readonly files: FilesService,
    @InjectStorage() private readonly media: S3Storage,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  async page(): Promise<string> {
    const [files, css, js, uppyCss, uppyJs] = await Promise.all([
      this.files.list(),
      this.files.assetUrl('app.css'),
      this.files.assetUrl('app.js'),
      this.files.assetUrl('uppy.css'),
      this.files.assetUrl('uppy.js'),
    ]);
    return renderPage(files, { css, js, uppyCss, uppyJs });
  }

  @Get('api/files')
  list() {
    return this.files.list();
  }

  /** A form upload, streamed into the default storage as it arrives. */
  @Post('files')
  @Redirect('/', 303)
  @ApiStorageFile('file')
  @UseInterceptors(StorageFileInterceptor('file', { uploadTo: 'uploads', limits: { fileSize: 1024 ** 3 } }))
  upload(@UploadedFile() file: StoredFile) {
    return { url: `/?uploaded=${encodeURIComponent(file.name)}` };
  }

  /** A presigned POST for the browser to upload one file straight to S3, under a free name. */
  @Post('api/upload-url')
  async uploadUrl(@Body() body: { name?: string; contentType?: string }) {
    if (!body?.name) throw new BadRequestException('name is required');
    const name = await this.media.getAvailableName(this.media.generateFilename(`direct/${body.name}`));
    return {
      name,
      ...(await this.media.uploadUrl(name, { contentType: body.contentType, maxSize: 1024 * 1024 * 1024 })),
    };
  }

  @Delete('api/files')
  async delete(@Query('name') name?: string) {
    if (!name) throw new BadRequestException('name is required');
    await this.files.delete(name);
    return { deleted: name };
  }
}
