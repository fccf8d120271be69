/**
 * The process-wide pool of part buffers: what it holds is counted in bytes, so its bound is
 * checked exactly, never by timing.
 */
import { ImproperlyConfigured, S3Storage } from '../../lib/index.js';
import { PartBufferPool } from '../../lib/backends/s3/part-buffer-pool.js';

const MiB = 1024 * 1024;

describe('PartBufferPool', () => {
  test('hands out buffers up to its budget, then makes callers wait for one given back', async () => {
    const pool = new PartBufferPool(3 * MiB);
    const held = [await pool.acquire(MiB), await pool.acquire(MiB), await pool.acquire(MiB)];
    expect(pool.bytesInUse).toBe(3 * MiB);
    let fourth: Buffer | undefined;
    const waiting = pool.acquire(MiB).then((buffer) => (fourth = buffer));
    await Promise.resolve();
    expect(fourth).toBeUndefined();
    expect(pool.waiting).toBe(1);
    pool.release(held[0]);
    await waiting;
    expect(fourth).toBe(held[0]); // reused, not allocated anew
    expect(pool.bytesHeld).toBe(3 * MiB);
  });

  test('serves waiters first come, first served', async () => {
    const pool = new PartBufferPool(2 * MiB);
    const a = await pool.acquire(2 * MiB);
    const order: string[] = [];
    const big = pool.acquire(2 * MiB).then((buffer) => (order.push('big'), buffer));
    const small = pool.acquire(MiB).then((buffer) => (order.push('small'), buffer));
    pool.release(a);
    pool.release(await big);
    await small;
    expect(order).toEqual(['big', 'small']);
  });

  test('never holds more than its budget, dropping kept buffers of another size', async () => {
    const pool = new PartBufferPool(4 * MiB);
    const twos = [await pool.acquire(2 * MiB), await pool.acquire(2 * MiB)];
    twos.forEach((buffer) => pool.release(buffer));
    expect(pool.bytesHeld).toBe(4 * MiB);
    const three = await pool.acquire(3 * MiB);
    expect(pool.bytesHeld).toBeLessThanOrEqual(4 * MiB);
    expect(pool.bytesInUse).toBe(3 * MiB);
    pool.release(three);
  });

  test('refuses a part larger than the whole budget', async () => {
    await expect(new PartBufferPool(MiB).acquire(2 * MiB)).rejects.toThrow(RangeError);
  });

  test('storages with the same budget share one pool', () => {
    expect(PartBufferPool.forBudget(64 * MiB)).toBe(PartBufferPool.forBudget(64 * MiB));
    expect(PartBufferPool.forBudget(64 * MiB)).not.toBe(PartBufferPool.forBudget(32 * MiB));
  });
});

describe('transferConfig.memoryBudget', () => {
  const options = { bucketName: 'b', regionName: 'eu-west-1', accessKey: 'a', secretKey: 's' };

  test('defaults to 64 MiB, one pool for every storage of the process', () => {
    const a = new S3Storage(options);
    const b = new S3Storage({ ...options, transferConfig: { partSize: 8 * MiB } });
    expect(a.transfer.memoryBudget).toBe(64 * MiB);
    expect(a.partBuffers).toBe(b.partBuffers);
    expect(a.partBuffers.budget).toBe(64 * MiB);
  });

  test('a budget smaller than one part is ImproperlyConfigured', () => {
    expect(() => new S3Storage({ ...options, transferConfig: { partSize: 8 * MiB, memoryBudget: 6 * MiB } })).toThrow(
      ImproperlyConfigured,
    );
    expect(
      () => new S3Storage({ ...options, fileBufferSize: 16 * MiB, transferConfig: { memoryBudget: 8 * MiB } }),
    ).toThrow(/memoryBudget/);
    expect(() => new S3Storage({ ...options, transferConfig: { memoryBudget: MiB } })).toThrow(ImproperlyConfigured);
  });
});
