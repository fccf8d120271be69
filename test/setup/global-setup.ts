/**
 * Starts the S3 server the integration tests run against: s3rver on a free loopback port, or,
 * when S3_TEST_ENDPOINT is set, that server (Ceph RGW, MinIO, real S3) as it is. Either way the
 * test bucket exists afterwards and S3_TEST_* describe the server to the test workers.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

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

/**
 * s3rver as a child process on a free 127.0.0.1 port. A child, not in-process: s3rver needs
 * `--openssl-legacy-provider` (its list pagination uses DES tokens) and crashes on a key
 * segment over 255 bytes, which in-process would take the test run down with it.
 */
interface S3rverProcess {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function startS3rver(directory: string, args: string[] = []): Promise<S3rverProcess> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', bin, '-d', directory, '-a', '127.0.0.1', '-p', '0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /listening on ([\d.]+):(\d+)/.exec(output);
      if (match) {
        child.stdout!.off('data', onData);
        resolve(`http://${match[1]}:${match[2]}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${output}`)));
  });
  // Keep draining its log so a full pipe never blocks it.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    endpoint,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
