/**
 * The S3 server a bench runs against, as the tests choose theirs: the server S3_TEST_* describe
 * when S3_TEST_ENDPOINT is set, else s3rver on a free loopback port, started here and stopped by
 * `stop()`; and a raw SDK client for it, set up as a user would for a non-AWS server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3rver } from '../test/setup/s3rver.mjs';

export async function startBenchServer() {
  const server = {
    region: process.env.S3_TEST_REGION || 'us-east-1',
    bucket: process.env.S3_TEST_BUCKET || 'nestjs-storages-bench',
  };
  if (process.env.S3_TEST_ENDPOINT) {
    Object.assign(server, {
      endpoint: process.env.S3_TEST_ENDPOINT,
      accessKey: process.env.S3_TEST_ACCESS_KEY,
      secretKey: process.env.S3_TEST_SECRET_KEY,
    });
    return { server, stop: async () => {} };
  }
  const directory = await mkdtemp(join(tmpdir(), 's3rver-bench-'));
  const s3rver = await startS3rver(directory, ['--silent']);
  Object.assign(server, { endpoint: s3rver.endpoint, accessKey: 'S3RVER', secretKey: 'S3RVER' });
  return {
    server,
    stop: async () => {
      await s3rver.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export function rawClient(server) {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
  });
}

export async function ensureBucket(client, bucket) {
  await client
    .send(new HeadBucketCommand({ Bucket: bucket }))
    .catch(() => client.send(new CreateBucketCommand({ Bucket: bucket })));
}
