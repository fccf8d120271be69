import { Injectable } from '@nestjs/common';
import { InjectStorage, type S3Storage } from 'nestjs-storages';

@Injectable()
export class UploadSweeper {
  constructor(@InjectStorage() private readonly storage: S3Storage) {}

  /** Run it daily (with @nestjs/schedule, say): aborts what browsers left over a day ago. */
  sweep(): Promise<number> {
    return this.storage.abortIncompleteUploads({ path: 'uploads' });
  }
}
