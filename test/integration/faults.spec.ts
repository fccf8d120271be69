/**
 * Saves and reads through a proxy that makes a fifth of all requests fail the ways S3 and
 * networks do (503 SlowDown, 500 InternalError, reset connections, stalls past the client's
 * socket timeout, bodies cut off midway). Every object must end intact (its SHA-256 compared),
 * or its save or read must fail with an error naming it: never silently truncated data. The
 * SDK's retry settings (`clientConfig.maxAttempts`) decide which of the two: the SDK retries a
 * request, and S3Storage resumes a body cut off midway with a ranged GET.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { StandardRetryStrategy } from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RetryErrorInfo, StandardRetryToken } from '@smithy/types';
import { FileNotFoundError, S3Storage, StorageError } from '../../lib/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { s3Options, server } from '../support/s3.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const SEED = 20240917;

/** mulberry32: a small seeded PRNG, so the sizes (and with them the faults) are the same every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `count` sizes from 0 bytes to 20 MiB, most of them small: 60 % under 64 KiB, 2 % over 8 MiB. */
function objectSizes(count: number, seed: number): number[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    if (i === 0) return 0;
    if (i === 1) return 20 * MiB;
    const r = random();
    if (r < 0.6) return Math.floor(random() * 64 * KiB);
    if (r < 0.9) return 64 * KiB + Math.floor(random() * 2 * MiB);
    if (r < 0.98) return 2 * MiB + Math.floor(random() * 6 * MiB);
    return 8 * MiB + Math.floor(random() * 12 * MiB);
  });
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Runs `task` over `items`, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index], index);
      }
    }),
  );
}

/**
 * The SDK's standard retries (its error classes, backoff and `maxAttempts`) without its
 * client-wide retry quota. That quota (500 tokens, 14 a retry, 5 a throttled one, given back
 * when the retry succeeds) is a circuit breaker: at a sustained 20 % failure rate it runs dry
 * and the client stops retrying, by design. Here each retry's cost is given back at once.
 */
class RetriesWithoutQuota extends StandardRetryStrategy {
  override async refreshRetryTokenForRetry(token: StandardRetryToken, info: RetryErrorInfo) {
    const next = await super.refreshRetryTokenForRetry(token, info);
    this.recordSuccess(next);
    return next;
  }
}

interface Outcome {
  name: string;
  size: number;
  digest: string;
  saveError?: Error;
  readError?: Error;
  /** SHA-256 and length of what a read gave. */
  read?: { digest: string; length: number };
}

/** Saves each object one of three ways (Buffer, stream of unknown length, open('wb')). */
async function saveAll(storage: S3Storage, sizes: number[], prefix: string): Promise<Outcome[]> {
  const outcomes: Outcome[] = sizes.map((size, i) => ({ name: `${prefix}/${i}.bin`, size, digest: '' }));
  await pool(outcomes, 8, async (outcome, i) => {
    const content = randomBytes(outcome.size);
    outcome.digest = sha256(content);
    try {
      if (i % 3 === 0) {
        await storage.save(outcome.name, content);
      } else if (i % 3 === 1) {
        const chunks = Array.from({ length: Math.ceil(content.length / (256 * KiB)) }, (_, n) =>
          content.subarray(n * 256 * KiB, (n + 1) * 256 * KiB),
        );
        await storage.save(outcome.name, Readable.from(chunks));
      } else {
        const file = await storage.open(outcome.name, 'wb');
        for (let offset = 0; offset < content.length; offset += MiB)
          await file.write(content.subarray(offset, offset + MiB));
        await file.close();
      }
    } catch (err) {
      outcome.saveError = err as Error;
    }
  });
  return outcomes;
}

/** Reads each object back one of three ways (createReadStream, open()+read(), chunks()). */
async function readAll(storage: S3Storage, outcomes: Outcome[]): Promise<void> {
  await pool(outcomes, 8, async (outcome, i) => {
    try {
      let data: Buffer;
      if (i % 3 === 0) {
        data = Buffer.concat(await (await storage.createReadStream(outcome.name)).toArray());
      } else if (i % 3 === 1) {
        await using file = await storage.open(outcome.name, 'rb');
        data = await file.read();
      } else {
        await using file = await storage.open(outcome.name, 'rb');
        const parts: Buffer[] = [];
        for await (const chunk of file.chunks(256 * KiB)) parts.push(chunk);
        data = Buffer.concat(parts);
      }
      outcome.read = { digest: sha256(data), length: data.length };
    } catch (err) {
      outcome.readError = err as Error;
    }
  });
}

/** The checks every run makes, whatever the retry settings: intact, or an error naming the file. */
function expectIntactOrNamed(storage: S3Storage, outcomes: Outcome[]): void {
  for (const outcome of outcomes) {
    const key = `${storage.location}/${outcome.name}`;
    for (const error of [outcome.saveError, outcome.readError]) {
      if (error && !(error instanceof FileNotFoundError)) {
        expect(error).toBeInstanceOf(StorageError);
        expect(error.message).toContain(`'${key}'`);
      }
    }
    if (outcome.read) {
      // Whatever a read gives is the whole object, even of a save that reported a failure
      // (its request may have reached the server before the connection broke).
      expect({ name: outcome.name, ...outcome.read }).toEqual({
        name: outcome.name,
        digest: outcome.digest,
        length: outcome.size,
      });
    } else if (!outcome.saveError) {
      // A saved object that could not be read: the read's error names it (checked above).
      expect(outcome.readError).toBeInstanceOf(StorageError);
    } else if (outcome.readError instanceof FileNotFoundError) {
      expect(outcome.readError.message).toBe(`File does not exist: ${key}`);
    }
  }
}

function summary(proxy: FaultProxy, outcomes: Outcome[]) {
  const faults = Object.values(proxy.faults).reduce((a, b) => a + b, 0);
  return {
    requests: proxy.requests.length,
    faults,
    byKind: { ...proxy.faults },
    resumedReads: proxy.requests.filter((request) => request.method === 'GET' && request.range).length,
    saveErrors: outcomes.filter((outcome) => outcome.saveError).length,
    readErrors: outcomes.filter((outcome) => outcome.readError).length,
    intact: outcomes.filter((outcome) => outcome.read?.digest === outcome.digest).length,
  };
}

describe('with 20 % of requests failing', () => {
  let proxy: FaultProxy;
  const storages: S3Storage[] = [];
  // Fixed, not random: the proxy draws each request's fate from its path, so the faults reproduce.
  const location = `test-faults-${SEED}`;

  /**
   * A storage behind the proxy. A stall becomes a retryable TimeoutError only with a socket
   * timeout: the SDK sets none for S3 by default (and `requestTimeout` alone only warns).
   */
  function storage(maxAttempts: number): S3Storage {
    const created = new S3Storage(
      s3Options({
        endpointUrl: proxy.endpoint,
        location,
        clientConfig: {
          maxAttempts,
          retryStrategy: new RetriesWithoutQuota(maxAttempts),
          requestHandler: new NodeHttpHandler({ socketTimeout: 2000, connectionTimeout: 2000 }),
        },
      }),
    );
    storages.push(created);
    return created;
  }

  // A body broken under a reader must surface as that read's error, never as a stray rejection.
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    proxy = await startFaultProxy(server.endpoint, { rate: 0.2, seed: SEED });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await Promise.all(storages.map((s) => s.close()));
    await proxy.close();
  });
  beforeEach(() => proxy.clear());
  afterEach(() => expect(rejections).toEqual([]));

  it('300 saves and 300 reads of 0 B to 20 MiB: with maxAttempts 8 every object is intact', async () => {
    const absorbing = storage(8);
    const sizes = objectSizes(300, SEED);
    const outcomes = await saveAll(absorbing, sizes, 'many');
    await readAll(absorbing, outcomes);
    const figures = summary(proxy, outcomes);
    process.stderr.write(
      `faults test, maxAttempts 8, ${(sizes.reduce((a, b) => a + b, 0) / MiB).toFixed(0)} MiB each way: ` +
        `${JSON.stringify(figures)}\n`,
    );

    expectIntactOrNamed(absorbing, outcomes);
    // The faults were there, of every kind, and retries and resumed reads absorbed them.
    expect(figures.faults).toBeGreaterThan(figures.requests * 0.15);
    for (const kind of proxy.kinds) expect(proxy.faults[kind]).toBeGreaterThan(0);
    expect(figures.resumedReads).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome.readError)).toEqual([]);
    expect(figures.intact).toBe(300);
    // Only a completion whose answer was lost after the server completed the upload may still
    // fail: s3rver (and MinIO) answer a repeated CompleteMultipartUpload with an error where
    // AWS repeats its answer. The object is whole all the same (read back above).
    for (const { saveError } of outcomes.filter((outcome) => outcome.saveError)) {
      expect(saveError!.message).toMatch(/^S3 CompleteMultipartUpload of '.+' failed/);
    }
  }, 180_000);

  it('with maxAttempts 1 the same faults become errors naming the file, never short data', async () => {
    const once = storage(1);
    const sizes = objectSizes(60, SEED + 1).map((size) => Math.min(size, 2 * MiB));
    const outcomes = await saveAll(once, sizes, 'once');
    await readAll(once, outcomes);
    const figures = summary(proxy, outcomes);
    process.stderr.write(`faults test, maxAttempts 1: ${JSON.stringify(figures)}\n`);

    expectIntactOrNamed(once, outcomes);
    expect(figures.saveErrors).toBeGreaterThan(0);
    expect(figures.readErrors).toBeGreaterThan(0);
    // No request was sent twice: a Range on a GET would be a resumed read.
    expect(figures.resumedReads).toBe(0);
    expect(
      outcomes.some((outcome) => /the body broke off after \d+ of \d+ bytes/.test(outcome.readError?.message ?? '')),
    ).toBe(true);
  }, 120_000);
});

describe('timeouts', () => {
  let proxy: FaultProxy;
  beforeAll(async () => (proxy = await startFaultProxy(server.endpoint)));
  afterAll(() => proxy.close());

  it("default to botocore's: 60 s to connect, 60 s without a byte (the SDK has none for S3)", async () => {
    const storage = new S3Storage(s3Options({ endpointUrl: proxy.endpoint }));
    await storage.exists('any.txt');
    const handler = storage.client.config.requestHandler as NodeHttpHandler;
    expect(handler.httpHandlerConfigs()).toMatchObject({ connectionTimeout: 60_000, socketTimeout: 60_000 });
    await storage.close();
  });

  it('a request stalled past the socket timeout is a TimeoutError, which the SDK retries', async () => {
    const storage = new S3Storage(
      s3Options({
        endpointUrl: proxy.endpoint,
        location: 'test-faults-stall',
        clientConfig: { requestHandler: new NodeHttpHandler({ socketTimeout: 300 }) },
      }),
    );
    proxy.clear();
    proxy.decide = () => (proxy.requests.length === 1 ? 'stall' : undefined);
    expect(await storage.exists('stalled.txt')).toBe(false);
    expect(proxy.requests.map((request) => request.fault)).toEqual(['stall', undefined]);
    proxy.decide = undefined;
    await storage.close();
  });
});
