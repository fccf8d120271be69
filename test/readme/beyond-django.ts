import { Injectable } from '@nestjs/common';
import { InjectStorage, type Storage } from 'nestjs-storages';

@Injectable()
export class ArchiveService {
  constructor(@InjectStorage() private readonly storage: Storage) {}

  /** Size, modified time, ETag, content type and metadata: one HEAD on S3. */
  async describe(name: string) {
    const { size, lastModified, etag, contentType, metadata } = await this.storage.stat(name);
    return { size, lastModified, etag, contentType, owner: metadata?.owner };
  }

  /** Every file under reports/, a page (1,000 keys, one request) at a time, no HEAD per file. */
  async totalBytes(): Promise<number> {
    let total = 0;
    for await (const { size } of this.storage.scan('reports/')) total += size;
    return total;
  }

  /** Server-side copy, then delete: the name used comes back, as from save(). */
  async archive(name: string): Promise<string> {
    return this.storage.move(name, `archive/${name}`);
  }

  /** Empties a folder: one DeleteObjects per 1,000 files on S3. */
  async purge(folder: string): Promise<number> {
    try {
      return await this.storage.deleteMany(this.storage.scan(folder));
    } catch (err) {
      // Every name was tried; each failure names its file.
      if (err instanceof AggregateError) for (const failure of err.errors) console.error(String(failure));
      throw err;
    }
  }
}
