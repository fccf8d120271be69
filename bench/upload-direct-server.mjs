/**
 * The baseline of bench/concurrent-uploads.mjs, in its own process as the app is: a bare
 * node:http server that streams each POST body into `@aws-sdk/lib-storage` `Upload` with the
 * app storage's transfer settings, then answers with the key. Tells its parent the port it
 * listens on, and answers 'report' with its idle and peak RSS.
 */
import { createServer } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { BENCH_S3_ENDPOINT, BENCH_S3_ACCESS_KEY, BENCH_S3_SECRET_KEY, BENCH_S3_REGION, BENCH_S3_BUCKET } = process.env;
const MiB = 2 ** 20;

const client = new S3Client({
  endpoint: BENCH_S3_ENDPOINT,
  region: BENCH_S3_REGION || 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  credentials: { accessKeyId: BENCH_S3_ACCESS_KEY, secretAccessKey: BENCH_S3_SECRET_KEY },
});
let next = 0;
const server = createServer((req, res) => {
  const key = `bench/direct-${process.pid}-${next++}.bin`;
  new Upload({
    client,
    params: { Bucket: BENCH_S3_BUCKET, Key: key, Body: req },
    partSize: Number(process.env.BENCH_PART_MIB) * MiB,
    queueSize: Number(process.env.BENCH_QUEUE),
    leavePartsOnError: false,
  })
    .done()
    .then(
      () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ name: key })),
      (err) => res.writeHead(500).end(String(err)),
    );
});
server.listen(0, '127.0.0.1', () => {
  process.send({ port: server.address().port });
});
const idleRss = process.memoryUsage().rss;
process.on('message', (message) => {
  if (message === 'report') process.send({ idleRss, peakRss: process.resourceUsage().maxRSS * 1024 });
  else if (message === 'close') server.close(() => process.disconnect());
});
