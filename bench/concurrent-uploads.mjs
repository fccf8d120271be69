/**
 * Many uploads at once through a Nest app (StorageFileInterceptor → S3Storage), beside a bare
 * node:http server streaming the same bodies into `@aws-sdk/lib-storage` `Upload`: by default 20
 * concurrent 20 MiB uploads, each written by the client as its socket drains. Each server runs
 * alone in its own process; the figure is how much its RSS grew (peak over idle), against the
 * target for the app: the memory budget (transferConfig.memoryBudget, 64 MiB) + 2 MiB per upload.
 * Every stored object is read back and compared with what was sent.
 *
 *   npm run bench:concurrent            (builds dist/; s3rver, or the server S3_TEST_* describe)
 *   BENCH_UPLOADS=8 BENCH_UPLOAD_MIB=100 npm run bench:concurrent
 *
 * Prints one JSON line (the figures) last; never part of `npm test`.
 */
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { ensureBucket, rawClient, startBenchServer } from './bench-server.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const MiB = 2 ** 20;
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 20);
const UPLOAD_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 20);
const BUDGET = 64 * MiB;
const here = dirname(fileURLToPath(import.meta.url));

const { server, stop } = await startBenchServer();
const client = rawClient(server);
await ensureBucket(client, server.bucket);
const env = {
  ...process.env,
  BENCH_S3_ENDPOINT: server.endpoint,
  BENCH_S3_ACCESS_KEY: server.accessKey,
  BENCH_S3_SECRET_KEY: server.secretKey,
  BENCH_S3_REGION: server.region,
  BENCH_S3_BUCKET: server.bucket,
  BENCH_PART_MIB: '5',
  BENCH_QUEUE: '4',
};

const results = {};
try {
  for (const [side, script] of [
    ['package', 'upload-app.mjs'],
    ['lib-storage', 'upload-direct-server.mjs'],
  ]) {
    const child = fork(join(here, script), { env });
    const { port } = await nextMessage(child);
    const started = performance.now();
    const framed = side === 'package'; // the bare server takes the raw bytes: it has no multipart parser
    const sent = await Promise.all(Array.from({ length: UPLOADS }, (_, i) => upload(port, i, framed)));
    const seconds = (performance.now() - started) / 1000;
    child.send('report');
    const { idleRss, peakRss } = await nextMessage(child);
    child.send('close');
    let intact = 0;
    for (const { key, md5 } of sent) {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
      const hash = createHash('md5');
      for await (const chunk of Body) hash.update(chunk);
      if (hash.digest('hex') === md5) intact++;
      await client.send(new DeleteObjectCommand({ Bucket: server.bucket, Key: key }));
    }
    results[side] = { seconds, idleRss, peakRss, growth: peakRss - idleRss, intact };
  }
} finally {
  client.destroy();
  await stop();
}

const mib = (bytes) => (bytes / MiB).toFixed(1);
const target = BUDGET + UPLOADS * 2 * MiB;
console.log(
  `\n${UPLOADS} concurrent uploads of ${UPLOAD_MIB} MiB, parts of 5 MiB, 4 at once; server ${server.endpoint}; Node ${process.version}`,
);
for (const [side, r] of Object.entries(results)) {
  console.log(
    `${side.padEnd(12)} RSS idle ${mib(r.idleRss)} MiB, peak ${mib(r.peakRss)} MiB, grew ${mib(r.growth)} MiB; ` +
      `${((UPLOADS * UPLOAD_MIB) / r.seconds).toFixed(1)} MiB/s; intact ${r.intact}/${UPLOADS}`,
  );
}
console.log(
  `package growth ${mib(results.package.growth)} MiB; target at most ${mib(target)} MiB (budget + 2 MiB per upload): ` +
    (results.package.growth <= target && results.package.intact === UPLOADS ? 'met' : 'MISSED'),
);
console.log(JSON.stringify({ uploads: UPLOADS, uploadMiB: UPLOAD_MIB, target, results }));

/** One POST of `UPLOAD_MIB` MiB (numbered blocks; multipart/form-data if `framed`), written as the socket drains. */
function upload(port, index, framed) {
  const boundary = `----bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c${index}.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = UPLOAD_MIB * MiB;
  const md5 = createHash('md5');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/upload',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': framed ? head.length + size + tail.length : size,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () =>
          res.statusCode === 201
            ? resolve({ key: JSON.parse(body).name, md5: md5.digest('hex') })
            : reject(new Error(`upload ${index}: ${res.statusCode} ${body}`)),
        );
      },
    );
    req.on('error', reject);
    (async () => {
      const block = randomBytes(MiB);
      if (framed) req.write(head);
      for (let i = 0; i < UPLOAD_MIB; i++) {
        const copy = Buffer.from(block);
        copy.writeUInt32BE(index * 1_000_000 + i);
        md5.update(copy);
        if (!req.write(copy)) await new Promise((drained) => req.once('drain', drained));
      }
      req.end(framed ? tail : undefined);
    })().catch(reject);
  });
}

function nextMessage(child) {
  return new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}
