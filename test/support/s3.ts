/**
 * The S3 server of this test run (see test/setup/global-setup.ts) as storage options, and a
 * fresh `location` per suite so suites never see each other's files.
 */
import { randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3StorageOptions } from '../../lib/index.js';

export const server = {
  endpoint: process.env.S3_TEST_ENDPOINT!,
  accessKey: process.env.S3_TEST_ACCESS_KEY!,
  secretKey: process.env.S3_TEST_SECRET_KEY!,
  region: process.env.S3_TEST_REGION ?? 'us-east-1',
  bucket: process.env.S3_TEST_BUCKET ?? 'nestjs-storages-test',
  /** 's3rver', 'ceph' or 'external': what the server can be trusted to check. */
  kind: process.env.S3_TEST_SERVER ?? 'external',
};

/** s3rver ignores signatures, conditional writes and multipart listings; tests of those skip on it. */
export const faithful = server.kind !== 's3rver';

/**
 * A `describe` that only a faithful server can answer (Ceph RGW, MinIO, AWS). On s3rver it is
 * skipped, and says why: `why` is what s3rver gets wrong.
 */
export function describeFaithful(name: string, why: string, fn: () => void): void {
  describeIf(faithful, name, `needs a faithful S3 server: ${why}`, fn);
}

/** An `it` that only a faithful server can answer; see `describeFaithful`. */
export function itFaithful(name: string, why: string, fn: () => Promise<unknown>, timeout?: number): void {
  if (faithful) return it(name, fn, timeout);
  const reason = `needs a faithful S3 server: ${why}`;
  noteSkip(name, reason);
  it.skip(`${name} [skipped: ${reason}]`, fn, timeout);
}

/** A `describe` run only when `condition` holds; otherwise skipped, with `reason` printed and in its title. */
export function describeIf(condition: boolean, name: string, reason: string, fn: () => void): void {
  if (condition) return describe(name, fn);
  noteSkip(name, reason);
  describe.skip(`${name} [skipped: ${reason}]`, fn);
}

// Straight to stderr, once per skipped block: jest's console adds a stack frame to every line.
function noteSkip(name: string, reason: string): void {
  process.stderr.write(`skipped on ${server.kind}: ${name}: ${reason}\n`);
}

export function uniqueLocation(suite: string): string {
  return `test-${suite}-${randomBytes(4).toString('hex')}`;
}

export function s3Options(extra: S3StorageOptions = {}): S3StorageOptions {
  return {
    endpointUrl: server.endpoint,
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    regionName: server.region,
    bucketName: server.bucket,
    ...extra,
  };
}

/** A raw SDK client on the same server, to check what the storage did. */
export function rawClient(): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
  });
}
