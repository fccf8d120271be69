/**
 * `StorageHealthIndicator` through terminus's own `HealthCheckService`: up when the storage
 * answers, and down, as a result with the reason, when the bucket is missing, the server cannot
 * be reached or does not answer in time; no endpoint or credential in any of it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheckService, TerminusModule, type HealthCheckResult } from '@nestjs/terminus';
import {
  FileSystemStorage,
  InMemoryStorage,
  S3Storage,
  StorageHealthIndicator,
  StorageModule,
} from '../../lib/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { s3Options, server } from '../support/s3.js';

describe('StorageHealthIndicator', () => {
  let health: HealthCheckService;
  let indicator: StorageHealthIndicator;
  let stalling: FaultProxy;
  const close: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    stalling = await startFaultProxy(server.endpoint, { rate: 1, kinds: ['stall'] });
    const s3 = (options: object) => ({ backend: S3Storage, options: s3Options(options) });
    const moduleRef = await Test.createTestingModule({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        StorageModule.forRoot({
          storages: {
            default: s3({}),
            missingBucket: s3({ bucketName: `missing-${randomBytes(6).toString('hex')}` }),
            offline: s3({ endpointUrl: 'http://127.0.0.1:9', clientConfig: { maxAttempts: 1 } }),
            stalled: s3({ endpointUrl: stalling.endpoint }),
            memory: { backend: InMemoryStorage },
            disk: {
              backend: FileSystemStorage,
              options: { location: join(await mkdtemp(join(tmpdir(), 'health-')), 'not', 'yet') },
            },
          },
        }),
      ],
    }).compile();
    close.push(() => moduleRef.close());
    health = moduleRef.get(HealthCheckService);
    indicator = moduleRef.get(StorageHealthIndicator);
  });
  afterAll(async () => {
    for (const fn of close) await fn();
    await stalling.close();
  });

  /** Checks that should answer get a timeout no loaded machine reaches; only the stalled one gets a short one. */
  async function check(storage: string, timeout = 60_000): Promise<HealthCheckResult> {
    try {
      return await health.check([() => indicator.pingCheck('storage', { storage, timeout })]);
    } catch (err) {
      expect(err).toBeInstanceOf(ServiceUnavailableException);
      return (err as ServiceUnavailableException).getResponse() as HealthCheckResult;
    }
  }

  it('is up when the bucket answers HeadBucket', async () => {
    const result = await check('default');
    expect(result.error).toEqual({}); // shows the reason, if down
    expect(result).toMatchObject({ status: 'ok', info: { storage: { status: 'up' } } });
  });

  it('is up for an in-memory storage and a filesystem storage whose location is not created yet', async () => {
    expect((await check('memory')).status).toBe('ok');
    expect((await check('disk')).status).toBe('ok');
  });

  it('is down, with the reason, when the bucket does not exist', async () => {
    const result = await check('missingBucket');
    expect(result.status).toBe('error');
    expect(result.error?.storage).toEqual({
      status: 'down',
      message: 'the storage answered NotFound (HTTP 404)',
    });
  });

  it('is down when the server cannot be reached, naming no endpoint or credential', async () => {
    const result = await check('offline');
    expect(result.error?.storage).toEqual({
      status: 'down',
      message: 'the storage could not be used (ECONNREFUSED)',
    });
    expect(JSON.stringify(result)).not.toContain(server.accessKey);
    expect(JSON.stringify(result)).not.toContain(server.secretKey);
  });

  it('is down once the timeout passes when the server does not answer', async () => {
    const result = await check('stalled', 300);
    expect(result.error?.storage).toEqual({ status: 'down', message: 'timed out after 300 ms' });
  });

  it('is down, not thrown, for a storage name StorageModule does not have', async () => {
    const result = await indicator.pingCheck('storage', { storage: 'nope' });
    expect(result.storage.status).toBe('down');
  });
});
