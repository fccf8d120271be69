/**
 * The baseline of bench/upload-1gib.mjs, in its own process as the app is: `@aws-sdk/lib-storage`
 * `Upload` of the bench's bytes (generated here, 1 MiB blocks) with the app storage's transfer
 * settings. Answers 'run' with the seconds it took, the CPU time it
 * spent and its peak RSS.
 */
import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { blocks } from './upload-blocks.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const {
  BENCH_S3_ENDPOINT,
  BENCH_S3_ACCESS_KEY,
  BENCH_S3_SECRET_KEY,
  BENCH_S3_BUCKET,
  BENCH_MIB,
  BENCH_PART_MIB,
  BENCH_QUEUE,
} = process.env;
const MiB = 2 ** 20;

const client = new S3Client({
  endpoint: BENCH_S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  credentials: { accessKeyId: BENCH_S3_ACCESS_KEY, secretAccessKey: BENCH_S3_SECRET_KEY },
});
const idleRss = process.memoryUsage().rss;
process.send({ ready: true });
process.on('message', async (message) => {
  if (message !== 'run') return process.disconnect();
  const key = 'bench/direct.bin';
  const upload = new Upload({
    client,
    params: { Bucket: BENCH_S3_BUCKET, Key: key, Body: Readable.from(blocks(Number(BENCH_MIB))) },
    partSize: Number(BENCH_PART_MIB) * MiB,
    queueSize: Number(BENCH_QUEUE),
    leavePartsOnError: false,
  });
  const start = performance.now();
  const startCpu = process.cpuUsage();
  await upload.done();
  const seconds = (performance.now() - start) / 1000;
  const { user, system } = process.cpuUsage(startCpu);
  process.send({
    key,
    seconds,
    idleRss,
    peakRss: process.resourceUsage().maxRSS * 1024,
    cpuSeconds: (user + system) / 1e6,
  });
});
