import { Injectable } from '@nestjs/common';
import { InjectStorage, type S3Storage } from 'nestjs-storages';

@Injectable()
export class DirectUploads {
  constructor(@InjectStorage() private readonly storage: S3Storage) {}

  /** A form the browser posts the file to, straight to S3: `url` plus `fields`, then the file. */
  async form(fileName: string) {
    const name = await this.storage.getAvailableName(this.storage.generateFilename(`avatars/${fileName}`));
    return this.storage.uploadUrl(name, { expire: 300, contentType: 'image/png', maxSize: 5 * 1024 * 1024 });
  }

  /** A URL the client PUTs the bytes to. */
  putUrl(name: string): Promise<string> {
    return this.storage.url(name, { httpMethod: 'PUT', expire: 300 });
  }
}
