/**
 * Starts the S3 server the integration tests run against: s3rver on a free loopback port, or,
 * when S3_TEST_ENDPOINT is set, that server (Ceph RGW, MinIO, real S3) as it is. Either way the
 * test bucket exists afterwards and S3_TEST_* describe the server to the test workers.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3rver, type S3rverProcess } from './s3rver.mjs';

declare global {
  var __S3RVER__: { server: S3rverProcess; directory: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  // The SDK's notice that its 2027 releases need Node 22 is for upgrades, not for test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (!process.env.S3_TEST_ENDPOINT) {
    const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
    const server = await startS3rver(directory);
    globalThis.__S3RVER__ = { server, directory };
    Object.assign(process.env, {
      S3_TEST_ENDPOINT: server.endpoint,
      S3_TEST_ACCESS_KEY: 'S3RVER',
      S3_TEST_SECRET_KEY: 'S3RVER',
      S3_TEST_SERVER: 's3rver',
    });
  }
  process.env.S3_TEST_REGION ||= 'us-east-1';
  process.env.S3_TEST_BUCKET ||= 'nestjs-storages-test';
  process.env.S3_TEST_SERVER ||= 'external';

  const client = new S3Client({
    endpoint: process.env.S3_TEST_ENDPOINT,
    region: process.env.S3_TEST_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.S3_TEST_ACCESS_KEY!, secretAccessKey: process.env.S3_TEST_SECRET_KEY! },
  });
  try {
    await client.send(new HeadBucketCommand({ Bucket: process.env.S3_TEST_BUCKET }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: process.env.S3_TEST_BUCKET }));
  } finally {
    client.destroy();
  }
}
