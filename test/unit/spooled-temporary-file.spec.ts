/** Python's SpooledTemporaryFile: memory until `maxSize` is passed, then a temporary file. */
import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpooledTemporaryFile } from '../../lib/core/spooled-temporary-file.js';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'spool-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

test('maxSize 0 never rolls over', async () => {
  const spool = new SpooledTemporaryFile(0, dir);
  for (let i = 0; i < 10; i++) await spool.write(Buffer.alloc(1024 * 1024, i));
  expect(spool.rolledOver).toBe(false);
  expect(spool.length).toBe(10 * 1024 * 1024);
  const data = await spool.take();
  expect(data.length).toBe(10 * 1024 * 1024);
  expect(data[9 * 1024 * 1024]).toBe(9);
  await spool.close();
});

test('rolls over once the content passes maxSize (not when it reaches it)', async () => {
  const spool = new SpooledTemporaryFile(10, dir);
  await spool.write(Buffer.from('0123456789'));
  expect(spool.rolledOver).toBe(false);
  await spool.write(Buffer.from('a'));
  expect(spool.rolledOver).toBe(true);
  // the file is unlinked at once: nothing is left behind in the directory
  expect(await readdir(dir)).toEqual([]);
  await spool.write(Buffer.from('bc'));
  expect(spool.length).toBe(13);
  expect((await spool.take()).toString()).toBe('0123456789abc');
  expect(spool.length).toBe(0);
  // reused after take(): starts at the beginning of the file again
  await spool.write(Buffer.from('xyz'));
  expect((await spool.take()).toString()).toBe('xyz');
  await spool.close();
  expect(spool.rolledOver).toBe(false);
});

test('take() of an empty spool is empty', async () => {
  const spool = new SpooledTemporaryFile(0, dir);
  expect((await spool.take()).length).toBe(0);
  await spool.close();
});
