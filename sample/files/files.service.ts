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

  /** Every file under the media location, with a presigned link valid for an hour. */
  async list(path = ''): Promise<FileEntry[]> {
    const [directories, files] = await this.media.listdir(path);
    const entries = await Promise.all(
      files.map(async (file) => {
        const name = path ? `${path}/${file}` : file;
        const [size, modified, url] = await Promise.all([
          this.media.size(name),
          this.media.getModifiedTime(name),
          this.media.url(name),
        ]);
        return { name, size, modified: modified.toISOString(), url };
      }),
    );
    const nested = await Promise.all(
      directories.map((directory) => this.list(path ? `${path}/${directory}` : directory)),
    );
    return [...entries, ...nested.flat()];
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
