/**
 * A write that fails gives the file up: the backend discards what it holds and `close()` does not
 * commit a file missing the bytes that were lost (django-storages completes it truncated).
 * On S3 the same is shown against Ceph in test/integration/faithful/incomplete-uploads.spec.ts.
 */
import { Readable } from 'node:stream';
import { StorageFile } from '../../lib/index.js';

/** A sink that loses its second write, as a refused S3 part does. */
class LossyFile extends StorageFile<Buffer> {
  readonly kept: Buffer[] = [];
  committed = false;
  discarded = false;

  constructor() {
    super('lossy.bin', 'wb');
  }

  async size(): Promise<number> {
    return Buffer.concat(this.kept).length;
  }

  protected async openStream(): Promise<Readable> {
    return Readable.from([]);
  }

  protected async writeBytes(data: Buffer): Promise<void> {
    if (this.kept.length === 1) throw new Error('part refused');
    this.kept.push(data);
  }

  protected async commit(): Promise<void> {
    this.committed = true;
  }

  protected async discard(): Promise<void> {
    this.discarded = true;
  }
}

test('a failed write discards the file and closing it afterwards commits nothing', async () => {
  const file = new LossyFile();
  await file.write('first');
  await expect(file.write('second')).rejects.toThrow('part refused');

  expect(file.discarded).toBe(true);
  expect(file.closed).toBe(true);
  await file.close();
  expect(file.committed).toBe(false);
  await expect(file.write('third')).rejects.toThrow('I/O operation on closed file.');
});
