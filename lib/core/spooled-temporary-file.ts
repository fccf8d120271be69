/**
 * Python's `SpooledTemporaryFile`: bytes kept in memory until they pass `maxSize`, then rolled
 * over to a temporary file (unlinked at once, so nothing is left behind if the process dies).
 * `maxSize` 0 never rolls over, as django-storages' `max_memory_size` default.
 */
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRandomString } from './names.js';

export class SpooledTemporaryFile {
  private chunks: Buffer[] = [];
  private handle?: FileHandle;
  private bytes = 0;

  constructor(
    private readonly maxSize: number,
    private readonly dir = tmpdir(),
  ) {}

  get length(): number {
    return this.bytes;
  }

  /** True once the content lives in a temporary file instead of memory. */
  get rolledOver(): boolean {
    return this.handle !== undefined;
  }

  async write(data: Buffer): Promise<void> {
    if (this.handle) {
      await this.handle.write(data, 0, data.length, this.bytes);
    } else {
      this.chunks.push(data);
    }
    this.bytes += data.length;
    if (!this.handle && this.maxSize > 0 && this.bytes > this.maxSize) await this.rollover();
  }

  /** The whole content, and the spool emptied for reuse. */
  async take(): Promise<Buffer> {
    let data: Buffer;
    if (this.handle) {
      data = Buffer.allocUnsafe(this.bytes);
      await this.handle.read(data, 0, this.bytes, 0);
      await this.handle.truncate(0);
    } else {
      data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bytes);
      this.chunks = [];
    }
    this.bytes = 0;
    return data;
  }

  async close(): Promise<void> {
    this.chunks = [];
    this.bytes = 0;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async rollover(): Promise<void> {
    const path = join(this.dir, `nestjs-storages-${getRandomString(12)}.S3File`);
    const handle = await open(path, 'w+', 0o600);
    await unlink(path);
    const data = Buffer.concat(this.chunks, this.bytes);
    await handle.write(data, 0, data.length, 0);
    this.chunks = [];
    this.handle = handle;
  }
}
