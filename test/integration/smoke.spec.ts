import { Readable } from 'node:stream';
import { S3Storage } from '../../lib/index.js';
import { s3Options, uniqueLocation } from '../support/s3.js';

test('smoke', async () => {
  const storage = new S3Storage(s3Options({ location: uniqueLocation('smoke') }));
  expect(await storage.save('a.txt', 'hello')).toBe('a.txt');
  expect(await storage.exists('a.txt')).toBe(true);
  expect(await storage.size('a.txt')).toBe(5);
  const f = await storage.open('a.txt', 'r');
  expect(await f.read()).toBe('hello');
  await f.close();
  await storage.save('d/b.bin', Readable.from([Buffer.alloc(10 * 1024 * 1024, 1)]));
  expect(await storage.listdir('')).toEqual([['d'], ['a.txt']]);
  expect(await storage.size('d/b.bin')).toBe(10 * 1024 * 1024);
  console.log(await storage.url('a.txt'));
  const w = await storage.open('w.txt', 'w');
  await w.write('x'.repeat(100));
  await w.close();
  expect(await (await fetch(await storage.url('w.txt'))).text()).toBe('x'.repeat(100));
  await storage.close();
});
