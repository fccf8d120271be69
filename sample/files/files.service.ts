import { Injectable } from '@nestjs/common';
import { collectStatic, InjectStorage, type Storage } from 'nestjs-storages';

export interface FileEntry {
  name: string;
  size: number;
  modified: string;
  url: string;
}

@Injectable()
export class FilesService {
  constructor(
    @InjectStorage() private readonly media: Storage,
    @InjectStorage('staticfiles') private readonly assets: Storage,
  ) {}

  /**
   * Every file under the media location, with a presigned link valid for an hour: one listing
   * request per 1,000 files (sizes and times come with the listing), and no request per link.
   */
  async list(path = ''): Promise<FileEntry[]> {
    const entries: FileEntry[] = [];
    for await (const { name, size, lastModified } of this.media.scan(path)) {
      entries.push({ name, size, modified: lastModified.toISOString(), url: await this.media.url(name) });
    }
    return entries;
  }

  async delete(name: string): Promise<void> {
    await this.media.delete(name);
  }

  /** Collects the page's own assets into the staticfiles storage (only what changed is uploaded). */
  async publishAssets(directory: string): Promise<void> {
    await collectStatic(this.assets, directory);
  }

  assetUrl(name: string): Promise<string> {
    return this.assets.url(name);
  }
}
