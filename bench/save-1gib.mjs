/**
 * Saves 1 GiB through S3Storage.save(), then the same bytes through a bare @aws-sdk/lib-storage
 * Upload, and prints each one's throughput, their ratio, the requests each sent and each one's
 * peak RSS, for two sources (BENCH_SOURCES, default both): `file`, an fs.ReadStream of a file
 * written first (what a save of 1 GiB usually reads), and `generated`, a Readable of unknown
 * length made as it is read, in fresh 64 KiB chunks as a socket gives them. Each transfer runs in a fresh child process, so one's memory never shows in the
 * other's figures; the parent only starts s3rver and compares what was stored. The two take
 * turns over BENCH_ROUNDS rounds (default 2) in the order save, Upload, Upload, save, ... so that
 * neither always goes first (s3rver's cold start, the page cache), and each figure is the median
 * of its rounds; each source alone, read and dropped, runs once to show what its own chunks take.
 * Each phase imports only what it uses. Targets for S3Storage.save(): RSS grows by at most
 * (queue size + 1) × part size × 1.5 over the RSS before the save, the process's peak RSS stays
 * under 150 MiB, and its throughput is at least lib-storage's. The last line is the figures as JSON.
 *
 *   npm run bench:save                              # builds dist/, starts s3rver itself
 *   BENCH_SIZE_MIB=256 npm run bench:save
 *   BENCH_PART_MIB=8 BENCH_QUEUE=2 npm run bench:save   # transferConfig of both transfers
 *   S3_TEST_ENDPOINT=... S3_TEST_ACCESS_KEY=... S3_TEST_SECRET_KEY=... npm run bench:save
 *
 * Run by hand or by CI as a report; never part of `npm test`, and it asserts nothing on time.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ensureBucket, rawClient, startBenchServer } from './bench-server.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_SIZE_MIB ?? 1024) * MiB;
/** S3Storage's transferConfig defaults unless BENCH_* say otherwise; the bare Upload gets the same. */
const PART_SIZE = Number(process.env.BENCH_PART_MIB ?? 5) * MiB;
const QUEUE_SIZE = Number(process.env.BENCH_QUEUE ?? 4);
const TARGET_RSS = 150 * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const KEYS = { storage: 'bench/storage.bin', upload: 'bench/upload.bin' };
const SOURCES = (process.env.BENCH_SOURCES ?? 'file,generated').split(',');
const FILE = join(tmpdir(), `nestjs-storages-bench-${process.pid}.bin`);

/** The bytes to save, as `kind` gives them: the bench's file (written by the parent), or generated. */
function source(kind, file) {
  return kind === 'file' ? createReadStream(file) : generated(SIZE);
}

/**
 * `size` bytes made as they are read, in 64 KiB chunks as an fs or HTTP stream gives them
 * (byte mode, so nothing is read far ahead): one fixed pseudo-random block, each chunk numbered.
 */
function generated(size) {
  const CHUNK = 64 * 1024;
  const block = Buffer.alloc(CHUNK);
  for (let j = 0; j < CHUNK; j += 4) block.writeUInt32LE(Math.imul(j + 1, 2654435761) >>> 0, j);
  return Readable.from(
    (function* () {
      for (let offset = 0, n = 0; offset < size; offset += CHUNK, n++) {
        const chunk = Buffer.from(block.subarray(0, Math.min(CHUNK, size - offset)));
        chunk.writeUInt32LE(n, 0);
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

/** Counts the requests a client sends, by operation. */
function countRequests(client) {
  const counts = {};
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName.replace(/Command$/, '');
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCount' },
  );
  return counts;
}

/** One transfer in this (child) process; prints its figures as one JSON line. */
async function runPhase(phase, kind, file, server) {
  let transfer;
  let requests;
  let close;
  if (phase === 'storage') {
    const { S3Storage } = await import('nestjs-storages');
    const storage = new S3Storage({
      endpointUrl: server.endpoint,
      accessKey: server.accessKey,
      secretKey: server.secretKey,
      regionName: server.region,
      bucketName: server.bucket,
      location: 'bench',
      ...(process.env.BENCH_PART_MIB || process.env.BENCH_QUEUE
        ? { transferConfig: { partSize: PART_SIZE, queueSize: QUEUE_SIZE, multipartThreshold: PART_SIZE } }
        : {}),
    });
    requests = countRequests(storage.client);
    transfer = () => storage.save('storage.bin', source(kind, file));
    close = () => storage.close();
  } else if (phase === 'source') {
    // The source alone, read and dropped: how much RSS its own garbage chunks take before V8 frees them.
    requests = {};
    transfer = async () => {
      for await (const chunk of source(kind, file)) if (!chunk.length) throw new Error('empty chunk');
    };
    close = async () => {};
  } else {
    const { Upload } = await import('@aws-sdk/lib-storage');
    const client = rawClient(server);
    requests = countRequests(client);
    transfer = () =>
      new Upload({
        client,
        params: { Bucket: server.bucket, Key: KEYS.upload, Body: source(kind, file) },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
      }).done();
    close = () => client.destroy();
  }

  const before = process.memoryUsage();
  const rssBefore = before.rss;
  const cpuBefore = process.cpuUsage();
  let peak = process.memoryUsage();
  const sample = () => {
    const usage = process.memoryUsage();
    if (usage.rss > peak.rss) peak = usage;
  };
  const timer = setInterval(sample, 50);
  const started = process.hrtime.bigint();
  await transfer();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { user, system } = process.cpuUsage(cpuBefore);
  clearInterval(timer);
  sample();
  await close();
  console.log(
    JSON.stringify({
      seconds,
      cpuSeconds: (user + system) / 1e6,
      rssBefore,
      peakRss: peak.rss,
      heapBefore: before.heapTotal,
      buffersBefore: before.arrayBuffers,
      heapAtPeak: peak.heapTotal,
      buffersAtPeak: peak.arrayBuffers,
      maxRss: process.resourceUsage().maxRSS * 1024,
      requests,
    }),
  );
}

async function main() {
  const { server, stop } = await startBenchServer();
  const raw = rawClient(server);
  const mib = (bytes) => (bytes / MiB).toFixed(1);
  try {
    await ensureBucket(raw, server.bucket);

    const growthTarget = (QUEUE_SIZE + 1) * PART_SIZE * 1.5;
    const report = { sizeMiB: SIZE / MiB, partSize: PART_SIZE, queueSize: QUEUE_SIZE, rounds: ROUNDS, growthTarget };
    if (SOURCES.includes('file')) await pipeline(generated(SIZE), createWriteStream(FILE));
    for (const kind of SOURCES) {
      const runs = { storage: [], upload: [], source: [] };
      const order = Array.from({ length: ROUNDS }, (_, round) =>
        round % 2 ? ['upload', 'storage'] : ['storage', 'upload'],
      ).flat();
      for (const phase of [...order, 'source']) {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [fileURLToPath(import.meta.url), '--phase', phase, kind, FILE, JSON.stringify(server)],
          { maxBuffer: 1024 * 1024 },
        );
        runs[phase].push(JSON.parse(stdout.trim().split('\n').at(-1)));
      }
      // Each figure is the median of its rounds (the requests are the same in every round).
      const results = Object.fromEntries(
        Object.entries(runs).map(([phase, list]) => [
          phase,
          Object.fromEntries(
            Object.keys(list[0]).map((key) => [
              key,
              key === 'requests' ? list[0][key] : median(list.map((r) => r[key])),
            ]),
          ),
        ]),
      );

      // Same bytes in the same parts → the same multipart ETag (an MD5 of the part MD5s).
      const [saved, uploaded] = await Promise.all(
        Object.values(KEYS).map((Key) => raw.send(new HeadObjectCommand({ Bucket: server.bucket, Key }))),
      );
      const throughput = (r) => SIZE / MiB / r.seconds;
      console.log(
        `\n${mib(SIZE)} MiB ${kind === 'file' ? 'from a file (fs.createReadStream)' : 'from a generated Readable of unknown length'}; parts of ${mib(PART_SIZE)} MiB, ` +
          `${QUEUE_SIZE} at once; each transfer in its own process; medians of ${ROUNDS} rounds`,
      );
      console.log(
        `server: ${process.env.S3_TEST_ENDPOINT ? server.endpoint : 's3rver (child process)'}; node ${process.version}\n`,
      );
      for (const [label, r] of [
        ['S3Storage.save()', results.storage],
        ['lib-storage Upload', results.upload],
      ]) {
        console.log(
          `${label.padEnd(19)} ${r.seconds.toFixed(2).padStart(6)} s ${throughput(r).toFixed(1).padStart(6)} MiB/s ` +
            `(CPU ${r.cpuSeconds.toFixed(2)} s)   ` +
            `RSS before ${mib(r.rssBefore)} MiB, peak ${mib(r.maxRss)} MiB ` +
            `(at the sampled peak: V8 heap ${mib(r.heapAtPeak)}, buffers ${mib(r.buffersAtPeak)} MiB)`,
        );
      }
      console.log(
        `\nthroughput ratio S3Storage / Upload: ${(throughput(results.storage) / throughput(results.upload)).toFixed(2)}`,
      );
      console.log(`requests, S3Storage.save(): ${JSON.stringify(results.storage.requests)}`);
      console.log(`requests, Upload:           ${JSON.stringify(results.upload.requests)}`);
      console.log(
        `stored: ${saved.ContentLength} and ${uploaded.ContentLength} bytes; same ETag: ${saved.ETag === uploaded.ETag}`,
      );
      const growth = (r) => r.maxRss - r.rssBefore;
      const ratio = throughput(results.storage) / throughput(results.upload);
      console.log(
        `RSS growth during the save: S3Storage ${mib(growth(results.storage))} MiB, Upload ${mib(growth(results.upload))} MiB; ` +
          `target at most ${mib(growthTarget)} MiB: ${growth(results.storage) <= growthTarget ? 'met' : 'MISSED'}`,
      );
      console.log(
        `RSS growth of the source alone, read and dropped: ${mib(growth(results.source))} MiB ` +
          `(so the transfer's own share: S3Storage ${mib(growth(results.storage) - growth(results.source))}, ` +
          `Upload ${mib(growth(results.upload) - growth(results.source))} MiB)`,
      );
      const met = results.storage.maxRss < TARGET_RSS;
      console.log(
        `S3Storage.save() peak RSS ${mib(results.storage.maxRss)} MiB; target under ${mib(TARGET_RSS)} MiB: ${met ? 'met' : 'MISSED'}`,
      );
      report[kind] = {
        ratio,
        source: { ...results.source, growth: growth(results.source) },
        storage: { ...results.storage, growth: growth(results.storage), mibPerSecond: throughput(results.storage) },
        upload: { ...results.upload, growth: growth(results.upload), mibPerSecond: throughput(results.upload) },
        runs,
      };
      if (saved.ContentLength !== SIZE || uploaded.ContentLength !== SIZE || saved.ETag !== uploaded.ETag) {
        process.exitCode = 1;
        console.error('the stored objects differ from what was sent');
      }
    }
    console.log(JSON.stringify(report));
  } finally {
    await rm(FILE, { force: true });
    await Promise.all(
      Object.values(KEYS).map((Key) =>
        raw.send(new DeleteObjectCommand({ Bucket: server.bucket, Key })).catch(() => undefined),
      ),
    );
    raw.destroy();
    await stop();
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const phaseIndex = process.argv.indexOf('--phase');
if (phaseIndex > 0) {
  const [phase, kind, file, server] = process.argv.slice(phaseIndex + 1);
  await runPhase(phase, kind, file, JSON.parse(server));
} else await main();
