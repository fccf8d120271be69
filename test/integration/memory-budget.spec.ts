/**
 * One memory budget for every upload of the process: concurrent saves through storages with the
 * same `transferConfig.memoryBudget` share one pool of part buffers, never hold more than the
 * budget between them, wait for a buffer when it is spent (backpressure on their sources), and
 * still store every object whole. Bounds are asserted on the bytes the pool holds, never on time.
 */
import { Readable } from 'node:stream';
import { S3Storage } from '../../lib/index.js';
import { rawClient, s3Options, uniqueLocation } from '../support/s3.js';
import { generatedStream, sha256, stored } from '../support/command-log.js';

const MiB = 1024 * 1024;
const location = uniqueLocation('memory-budget');
// A budget no other suite uses, so this file's pool is its own: three 5 MiB parts.
const transferConfig = { partSize: 5 * MiB, queueSize: 4, memoryBudget: 15 * MiB + 1 };
const raw = rawClient();
const storages: S3Storage[] = [];

afterAll(async () => {
  await Promise.all(storages.map((storage) => storage.close()));
  raw.destroy();
});

test('six concurrent 12 MiB saves through two storages hold at most the budget, wait for it, and store every byte', async () => {
  const [a, b] = [0, 1].map(() => new S3Storage(s3Options({ location, transferConfig })));
  storages.push(a, b);
  expect(a.partBuffers).toBe(b.partBuffers);
  const pool = a.partBuffers;
  let most = 0;
  let waited = 0;
  for (const storage of [a, b]) {
    storage.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') {
          most = Math.max(most, pool.bytesHeld);
          waited = Math.max(waited, pool.waiting);
        }
        return next(args);
      },
      { step: 'initialize' },
    );
  }

  const sources = Array.from({ length: 6 }, () => generatedStream(12 * MiB));
  const names = await Promise.all(
    sources.map((source, i) => (i % 2 ? b : a).save(`big-${i}.bin`, Readable.from(source.generate()))),
  );

  expect(most).toBeGreaterThan(0);
  expect(most).toBeLessThanOrEqual(pool.budget);
  expect(waited).toBeGreaterThan(0); // uploads did wait for a buffer: the budget, not the queue sizes, bounded them
  expect(pool.bytesInUse).toBe(0);
  expect(pool.bytesHeld).toBeLessThanOrEqual(pool.budget);
  for (const [i, name] of names.entries()) {
    expect(sha256((await stored(raw, `${location}/${name}`)).body)).toBe(sources[i].digest());
  }
}, 120_000);

test('a failed save gives its buffers back', async () => {
  const storage = new S3Storage(s3Options({ location, transferConfig }));
  storages.push(storage);
  const broken = Readable.from(
    (async function* () {
      for (let i = 0; i < 12; i++) yield Buffer.alloc(MiB, i);
      throw new Error('the source broke');
    })(),
  );
  await expect(storage.save('broken.bin', broken)).rejects.toThrow('the source broke');
  expect(storage.partBuffers.bytesInUse).toBe(0);
  expect(await storage.exists('broken.bin')).toBe(false);
});
