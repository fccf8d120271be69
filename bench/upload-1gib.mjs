/**
 * A 1 GiB multipart/form-data upload streamed by a client through a Nest app
 * (StorageFileInterceptor → S3Storage) into a local S3 server, beside `@aws-sdk/lib-storage`
 * `Upload` of the same bytes straight to the same server, in the same run. Reports the peak RSS
 * of the app's process (it runs alone in a child process: bench/upload-app.mjs) and the ratio of
 * the two throughputs.
 *
 *   npm run bench:upload                       (builds dist/ first; starts s3rver in a child)
 *   BENCH_MIB=256 npm run bench:upload         (size in MiB; default 1024)
 *   BENCH_ROUNDS=2 npm run bench:upload        (interleaved rounds; the best of each kind is kept)
 *   BENCH_PART_MIB=5 BENCH_QUEUE=2 npm run bench:upload
 *                                              (transferConfig of both sides; default S3Storage's, 8 and 4)
 *   BENCH_S3_ENDPOINT=http://127.0.0.1:7480 BENCH_S3_ACCESS_KEY=... BENCH_S3_SECRET_KEY=... \
 *     npm run bench:upload                     (another S3 server, e.g. Ceph RGW; path-style)
 *
 * Nothing is buffered whole on either side: the client writes generated 1 MiB blocks as the
 * socket drains. The upload settings are the same on both sides (S3Storage's defaults: 8 MiB
 * parts, 4 in flight). With client, app and server on one 2-core machine, the absolute rates say
 * little; the ratio and the app's memory are the figures.
 */
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { blocks } from './upload-blocks.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const MiB = 2 ** 20;
const SIZE_MIB = Number(process.env.BENCH_MIB ?? 1024);
const SIZE = SIZE_MIB * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const bucket = process.env.BENCH_S3_BUCKET ?? 'bench-uploads';

const s3rver = process.env.BENCH_S3_ENDPOINT ? undefined : await startS3rver();
const server = {
  endpoint: process.env.BENCH_S3_ENDPOINT ?? s3rver.endpoint,
  accessKey: process.env.BENCH_S3_ACCESS_KEY ?? 'S3RVER',
  secretKey: process.env.BENCH_S3_SECRET_KEY ?? 'S3RVER',
};
const client = new S3Client({
  endpoint: server.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
});
await client
  .send(new HeadBucketCommand({ Bucket: bucket }))
  .catch(() => client.send(new CreateBucketCommand({ Bucket: bucket })));

const env = {
  ...process.env,
  BENCH_S3_ENDPOINT: server.endpoint,
  BENCH_S3_ACCESS_KEY: server.accessKey,
  BENCH_S3_SECRET_KEY: server.secretKey,
  BENCH_S3_BUCKET: bucket,
  BENCH_MIB: String(SIZE_MIB),
  BENCH_PART_MIB: process.env.BENCH_PART_MIB ?? '8',
  BENCH_QUEUE: process.env.BENCH_QUEUE ?? '4',
};
const here = dirname(fileURLToPath(import.meta.url));
const app = fork(join(here, 'upload-app.mjs'), { env });
const direct = fork(join(here, 'upload-direct.mjs'), { env });
const { port } = await nextMessage(app);
await nextMessage(direct);

const kinds = {
  'lib-storage Upload, direct': async () => {
    direct.send('run');
    return nextMessage(direct);
  },
  'through the app (HTTP multipart)': uploadThroughApp,
};
const best = Object.fromEntries(Object.keys(kinds).map((kind) => [kind, 0]));
const memory = {};
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [kind, run] of Object.entries(kinds)) {
      const { key, seconds, ...rss } = await run();
      const { ContentLength } = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      if (ContentLength !== SIZE) throw new Error(`${kind}: stored ${ContentLength} bytes, sent ${SIZE}`);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      best[kind] = Math.max(best[kind], SIZE_MIB / seconds);
      const cpuSeconds = (memory[kind]?.cpuSeconds ?? 0) + (rss.cpuSeconds ?? 0);
      memory[kind] = { ...rss, cpuSeconds };
      console.log(`  round ${round + 1}: ${kind.padEnd(34)} ${(SIZE_MIB / seconds).toFixed(1).padStart(7)} MiB/s`);
    }
  }
  app.send('report');
  memory['through the app (HTTP multipart)'] = await nextMessage(app);

  const mib = (bytes) => `${(bytes / MiB).toFixed(0).padStart(5)} MiB`;
  console.log(
    `\n${SIZE_MIB} MiB upload, best of ${ROUNDS} round(s), Node ${process.version}, server ${server.endpoint}`,
  );
  console.log('                                      throughput   peak RSS   idle RSS   CPU s/GiB');
  for (const kind of Object.keys(kinds)) {
    const { peakRss, idleRss, cpuSeconds } = memory[kind];
    const cpu = ((cpuSeconds / ROUNDS / SIZE_MIB) * 1024).toFixed(1).padStart(9);
    console.log(
      `  ${kind.padEnd(32)} ${best[kind].toFixed(1).padStart(6)} MiB/s ${mib(peakRss)} ${mib(idleRss)} ${cpu}`,
    );
  }
  const ratio = best['through the app (HTTP multipart)'] / best['lib-storage Upload, direct'];
  console.log(`  throughput ratio app / direct    ${ratio.toFixed(2).padStart(6)}`);
  console.log('  (peak RSS: the whole life of each process; target for the app: under 150 MiB)');
} finally {
  app.send('close');
  direct.disconnect();
  client.destroy();
  await s3rver?.stop();
}

/** A multipart/form-data POST of one file part, written block by block as the socket drains. */
async function uploadThroughApp() {
  const boundary = `----bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="app.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const start = performance.now();
  const response = new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/upload',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + SIZE + tail.length,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(body)) : reject(new Error(body))));
      },
    );
    req.on('error', reject);
    (async () => {
      req.write(head);
      for (const block of blocks(SIZE_MIB)) {
        if (!req.write(block)) await new Promise((drained) => req.once('drain', drained));
      }
      req.end(tail);
    })().catch(reject);
  });
  const file = await response;
  const seconds = (performance.now() - start) / 1000;
  if (file.size !== SIZE) throw new Error(`req.file.size is ${file.size}, sent ${SIZE}`);
  return { key: file.name, seconds }; // the storage has no location: its name is the key
}

function nextMessage(child) {
  return new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the app exited with ${code}`)));
  });
}

/** s3rver in a child process on a free loopback port, as test/setup/global-setup.ts starts it. */
async function startS3rver() {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-bench-'));
  const bin = join(dirname(createRequire(import.meta.url).resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', bin, '-d', directory, '-a', '127.0.0.1', '-p', '0', '--silent'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const endpoint = await new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (data) => {
      output += data;
      const match = /listening on ([\d.]+):(\d+)/.exec(output);
      if (match) resolve(`http://${match[1]}:${match[2]}`);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${output}`)));
  });
  child.stdout.resume();
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
