/**
 * The package beside the raw AWS SDK doing the same work, in one run against the same local
 * s3rver: save and read throughput for 1 KiB, 1 MiB and 64 MiB objects, url() per second by
 * kind, listdir over 10,000 keys, and peak RSS, each as a ratio to the raw SDK (1.00 = the
 * same; above 1, the package is faster or smaller).
 *
 *   npm run bench                      (builds dist/, starts s3rver itself)
 *   BENCH_ROUNDS=5 npm run bench       (rounds of every task; default 5)
 *   BENCH_TASKS=url,read node bench/vs-sdk.mjs   (some of: save, read, url, listdir, scan, deleteMany)
 *   S3_TEST_ENDPOINT=... S3_TEST_ACCESS_KEY=... S3_TEST_SECRET_KEY=... npm run bench
 *
 * Each side runs in its own child process (so each one's peak RSS is its own), and the parent
 * hands out the tasks in rounds, interleaved (package, raw; then raw, package), keeping the best
 * round of each: a neighbour's load on a shared machine hurts both sides alike. The report is
 * printed and written to bench/results/report.json. Never part of `npm test`.
 */
import { fork } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { getSignedUrl as cloudfrontSignedUrl } from '@aws-sdk/cloudfront-signer';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ensureBucket, rawClient, startBenchServer } from './bench-server.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const KiB = 1024;
const MiB = 1024 * KiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ONLY = process.env.BENCH_TASKS?.split(',');
const wanted = (task) => !ONLY || ONLY.includes(task);
const URL_SECONDS = Number(process.env.BENCH_URL_SECONDS ?? 0.3);
const LIST_KEYS = 10_000;
const DELETE_KEYS = 10_000;
const deleteName = (i) => `f${String(i).padStart(5, '0')}.txt`;
const PART_SIZE = 5 * MiB; // S3Storage's default transferConfig, given to the raw Upload too
const QUEUE_SIZE = 4;

/**
 * Objects of each size: how many, how many at once, and in how many slices the two sides take
 * turns at them (so that a neighbour's burst of load falls on both). The same for saving and reading.
 */
const SIZES = {
  '1 KiB': { bytes: KiB, count: 1000, concurrency: 8, slices: 8 },
  '1 MiB': { bytes: MiB, count: 64, concurrency: 4, slices: 4 },
  '64 MiB': { bytes: 64 * MiB, count: 8, concurrency: 1, slices: 8 },
};

// ---------------------------------------------------------------------------------------------
// The two sides: the same work through S3Storage, and through the SDK as a user would write it

/** What both sides sign URLs with: AWS, no server (no URL does I/O), and one CloudFront key. */
const URL_OPTIONS = {
  bucketName: 'media',
  regionName: 'eu-west-1',
  accessKey: 'AKIDEXAMPLE',
  secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
};
const urlName = (i) => `photos/${i % 1000}/image ${i}.jpg`;
const encodedKey = (key) => key.split('/').map(encodeURIComponent).join('/');

async function packageSide(server, privateKey) {
  const { S3Storage } = await import('nestjs-storages');
  const storage = new S3Storage({
    endpointUrl: server.endpoint,
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    regionName: server.region,
    bucketName: server.bucket,
    location: 'bench',
  });
  const signed = new S3Storage(URL_OPTIONS);
  const { client } = signed;
  const unsigned = new S3Storage({ ...URL_OPTIONS, client, querystringAuth: false });
  const custom = new S3Storage({ ...URL_OPTIONS, client, customDomain: 'cdn.example.com' });
  const cloudfront = new S3Storage({
    ...URL_OPTIONS,
    client,
    customDomain: 'd111111abcdef8.cloudfront.net',
    cloudfrontKey: privateKey,
    cloudfrontKeyId: 'K2JCJMDEHXQW5F',
  });
  return {
    save: (name, body) => storage.save(`ours/${name}`, body),
    readStream: async (name) => {
      let length = 0;
      for await (const chunk of await storage.createReadStream(name)) length += chunk.length;
      return length;
    },
    readWhole: async (name) => {
      const file = await storage.open(name);
      const data = await file.read();
      await file.close();
      return data.length;
    },
    listdir: async (path) => {
      const [directories, files] = await storage.listdir(path);
      return directories.length + files.length;
    },
    scan: async (path) => {
      let entries = 0;
      for await (const entry of storage.scan(path)) entries += entry.size > 0 ? 1 : 0;
      return entries;
    },
    deleteMany: (names) => storage.deleteMany(names.map((name) => `delete/package/${name}`)),
    urls: {
      'presigned GET': (i) => signed.url(urlName(i)),
      'presigned PUT': (i) => signed.url(urlName(i), { httpMethod: 'PUT' }),
      unsigned: (i) => unsigned.url(urlName(i)),
      'custom domain': (i) => custom.url(urlName(i)),
      'CloudFront-signed': (i) => cloudfront.url(urlName(i)),
    },
  };
}

async function rawSide(server, privateKey) {
  const client = rawClient(server);
  const urlClient = new S3Client({
    region: URL_OPTIONS.regionName,
    credentials: { accessKeyId: URL_OPTIONS.accessKey, secretAccessKey: URL_OPTIONS.secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const bucket = URL_OPTIONS.bucketName;
  return {
    save: async (name, body) => {
      const params = { Bucket: server.bucket, Key: `bench/raw/${name}`, ContentType: 'application/octet-stream' };
      if (body.length <= PART_SIZE) {
        await client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.length }));
      } else {
        await new Upload({
          client,
          params: { ...params, Body: body },
          partSize: PART_SIZE,
          queueSize: QUEUE_SIZE,
        }).done();
      }
    },
    readStream: async (name) => {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: `bench/${name}` }));
      let length = 0;
      for await (const chunk of Body) length += chunk.length;
      return length;
    },
    readWhole: async (name) => {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: `bench/${name}` }));
      return (await Body.transformToByteArray()).length;
    },
    listdir: async (path) => {
      const prefix = `bench/${path}/`;
      const directories = [];
      const files = [];
      for await (const page of paginateListObjectsV2(
        { client },
        { Bucket: server.bucket, Prefix: prefix, Delimiter: '/' },
      )) {
        for (const common of page.CommonPrefixes ?? []) directories.push(common.Prefix.slice(prefix.length, -1));
        for (const object of page.Contents ?? []) files.push(object.Key.slice(prefix.length));
      }
      return directories.length + files.length;
    },
    scan: async (path) => {
      // What scan() yields, made from the raw paginator's pages.
      let entries = 0;
      for await (const page of paginateListObjectsV2({ client }, { Bucket: server.bucket, Prefix: `bench/${path}/` })) {
        for (const object of page.Contents ?? []) {
          if (object.Key.endsWith('/')) continue;
          const entry = {
            name: object.Key.slice('bench/'.length),
            size: object.Size,
            lastModified: object.LastModified,
            etag: object.ETag?.replaceAll('"', ''),
          };
          entries += entry.size > 0 ? 1 : 0;
        }
      }
      return entries;
    },
    deleteMany: async (names) => {
      for (let i = 0; i < names.length; i += 1000) {
        const Objects = names.slice(i, i + 1000).map((name) => ({ Key: `bench/delete/raw/${name}` }));
        const { Errors } = await client.send(
          new DeleteObjectsCommand({ Bucket: server.bucket, Delete: { Objects, Quiet: true } }),
        );
        if (Errors?.length) throw new Error(`raw: ${Errors.length} keys not deleted`);
      }
      return names.length;
    },
    urls: {
      'presigned GET': (i) =>
        getSignedUrl(urlClient, new GetObjectCommand({ Bucket: bucket, Key: urlName(i) }), { expiresIn: 3600 }),
      'presigned PUT': (i) =>
        getSignedUrl(urlClient, new PutObjectCommand({ Bucket: bucket, Key: urlName(i) }), { expiresIn: 3600 }),
      unsigned: async (i) => `https://${bucket}.s3.eu-west-1.amazonaws.com/${encodedKey(urlName(i))}`,
      'custom domain': async (i) => `https://cdn.example.com/${encodedKey(urlName(i))}`,
      'CloudFront-signed': async (i) =>
        cloudfrontSignedUrl({
          url: `https://d111111abcdef8.cloudfront.net/${encodedKey(urlName(i))}`,
          keyPairId: 'K2JCJMDEHXQW5F',
          privateKey,
          dateLessThan: new Date(Date.now() + 3600_000),
        }),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A worker: one side, in its own process, running the tasks the parent sends

/** Runs `task(i)` for i from `from` to `to` (exclusive), `concurrency` at a time. */
async function pool(from, to, concurrency, task) {
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to) await task(next++);
    }),
  );
}

async function worker(sideName, server, privateKey) {
  // The package is a Nest module: the app that uses the raw SDK instead has @nestjs/common too.
  if (sideName === 'raw') await import('@nestjs/common');
  const side = sideName === 'package' ? await packageSide(server, privateKey) : await rawSide(server, privateKey);
  globalThis.gc(); // what loading left, not what the collector has yet to take back
  const loaded = process.memoryUsage.rss();
  const bodies = Object.fromEntries(Object.entries(SIZES).map(([size, { bytes }]) => [size, randomBytes(bytes)]));
  const timed = async (work) => {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const result = await work();
    const { user, system } = process.cpuUsage(cpu);
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, cpu: (user + system) / 1e6, result };
  };
  const tasks = {
    save: ({ size, from, to }) => {
      const { concurrency } = SIZES[size];
      return timed(() =>
        pool(from, to, concurrency, (i) => side.save(`${size.replace(' ', '')}/${i}.bin`, bodies[size])),
      );
    },
    read: ({ size, how, from, to }) => {
      const { concurrency, bytes } = SIZES[size];
      const read = how === 'stream' ? side.readStream : side.readWhole;
      return timed(() =>
        pool(from, to, concurrency, async (i) => {
          const length = await read(`read/${size.replace(' ', '')}/${i}.bin`);
          if (length !== bytes) throw new Error(`${sideName} read ${length} of ${bytes} bytes`);
        }),
      );
    },
    listdir: () =>
      timed(async () => {
        const entries = await side.listdir('list');
        if (entries !== LIST_KEYS) throw new Error(`${sideName} listed ${entries} of ${LIST_KEYS}`);
      }),
    scan: () =>
      timed(async () => {
        const entries = await side.scan('list');
        if (entries !== LIST_KEYS) throw new Error(`${sideName} scanned ${entries} of ${LIST_KEYS}`);
      }),
    deleteMany: () => {
      const names = Array.from({ length: DELETE_KEYS }, (_, i) => deleteName(i));
      return timed(() => side.deleteMany(names));
    },
    url: async ({ kind }) => {
      const make = side.urls[kind];
      for (let i = 0; i < 200; i++) await make(i);
      let count = 0;
      const start = performance.now();
      while (performance.now() - start < URL_SECONDS * 1000) for (let i = 0; i < 100; i++) await make(count++);
      return { seconds: (performance.now() - start) / 1000, result: count };
    },
    rss: async () => ({ result: { loaded, peak: process.resourceUsage().maxRSS * 1024 } }),
  };
  process.on('message', async ({ id, task, args }) => {
    try {
      process.send({ id, ...(await tasks[task](args)) });
    } catch (err) {
      process.send({ id, error: String(err?.stack ?? err) });
    }
  });
  process.send({ ready: true });
}

// ---------------------------------------------------------------------------------------------
// The parent: the server, the data both sides read and list, the rounds, the report

function startWorker(side, server, privateKey) {
  const child = fork(fileURLToPath(import.meta.url), ['--worker', side], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, BENCH_CONTEXT: JSON.stringify({ server, privateKey }) },
  });
  const pending = new Map();
  let nextId = 0;
  const ready = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${side} worker exited with ${code}`)));
    child.on('message', (message) => {
      if (message.ready) return resolve();
      const { resolve: done, reject: fail } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) fail(new Error(`${side}: ${message.error}`));
      else done(message);
    });
  });
  return {
    ready,
    run: (task, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, task, args });
      }),
    stop: () => child.kill(),
  };
}

async function seed(client, bucket) {
  await ensureBucket(client, bucket);
  if (wanted('read')) await seedReads(client, bucket);
  if (wanted('listdir') || wanted('scan')) await seedListing(client, bucket);
}

async function seedReads(client, bucket) {
  for (const [size, { bytes, count }] of Object.entries(SIZES)) {
    const body = randomBytes(bytes);
    await pool(0, count, 8, async (i) => {
      const Key = `bench/read/${size.replace(' ', '')}/${i}.bin`;
      if (bytes > PART_SIZE) await new Upload({ client, params: { Bucket: bucket, Key, Body: body } }).done();
      else await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body }));
    });
  }
}

async function seedListing(client, bucket) {
  await pool(0, LIST_KEYS, 32, (i) =>
    client.send(
      new PutObjectCommand({ Bucket: bucket, Key: `bench/list/f${String(i).padStart(5, '0')}.txt`, Body: 'x' }),
    ),
  );
}

/** The keys one side's deleteMany turn deletes. */
async function seedDeletes(client, bucket, side) {
  await pool(0, DELETE_KEYS, 32, (i) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: `bench/delete/${side}/${deleteName(i)}`, Body: 'x' })),
  );
}

async function main() {
  const { server, stop } = await startBenchServer();
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const client = rawClient(server);
  const workers = {};
  try {
    process.stderr.write(`seeding ${LIST_KEYS.toLocaleString('en')} keys and the objects to read...\n`);
    await seed(client, server.bucket);
    workers.package = startWorker('package', server, privateKey);
    workers.raw = startWorker('raw', server, privateKey);
    await Promise.all(Object.values(workers).map((w) => w.ready));

    const tasks = [
      ...Object.keys(SIZES).map((size) => ({ label: `save ${size}`, task: 'save', args: { size }, size })),
      ...Object.keys(SIZES).map((size) => ({
        label: `read ${size} (stream)`,
        task: 'read',
        args: { size, how: 'stream' },
        size,
      })),
      ...Object.keys(SIZES).map((size) => ({
        label: `read ${size} (whole)`,
        task: 'read',
        args: { size, how: 'whole' },
        size,
      })),
      ...['presigned GET', 'presigned PUT', 'unsigned', 'custom domain', 'CloudFront-signed'].map((kind) => ({
        label: `url() ${kind}`,
        task: 'url',
        args: { kind },
      })),
      { label: `listdir ${LIST_KEYS.toLocaleString('en')} keys`, task: 'listdir', args: {} },
      { label: `scan ${LIST_KEYS.toLocaleString('en')} keys`, task: 'scan', args: {} },
      { label: `deleteMany ${DELETE_KEYS.toLocaleString('en')} names`, task: 'deleteMany', args: {} },
    ].filter((t) => wanted(t.task));
    // Higher is better for every figure: MiB/s, URLs/s, listings/s.
    const figure = ({ task, size }, { seconds, result }) => {
      if (task === 'save' || task === 'read') return (SIZES[size].bytes * SIZES[size].count) / MiB / seconds;
      if (task === 'url') return result / seconds;
      if (task === 'deleteMany') return DELETE_KEYS / seconds;
      return 1 / seconds;
    };
    const best = new Map(tasks.map((t) => [t.label, { package: 0, raw: 0 }]));
    // CPU seconds each side's process spent on a task over all rounds: steadier than the clock
    // when the server shares the machine, and the package's own overhead whatever the server does.
    const cpu = new Map(tasks.map((t) => [t.label, { package: 0, raw: 0 }]));
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`round ${round + 1} of ${ROUNDS}\n`);
      for (const t of tasks) {
        // Objects are taken in slices, the sides taking turns (package, raw; raw, package; ...).
        const { count = 1, slices = 1 } = SIZES[t.size] ?? {};
        const total = { package: { seconds: 0, result: 0 }, raw: { seconds: 0, result: 0 } };
        for (let slice = 0; slice < slices; slice++) {
          const args = { ...t.args, from: (slice * count) / slices, to: ((slice + 1) * count) / slices };
          for (const side of (round + slice) % 2 ? ['raw', 'package'] : ['package', 'raw']) {
            // What deleteMany deletes is put back before each turn, untimed.
            if (t.task === 'deleteMany') await seedDeletes(client, server.bucket, side);
            const { seconds, cpu: used = 0, result } = await workers[side].run(t.task, args);
            cpu.get(t.label)[side] += used;
            total[side].seconds += seconds;
            if (typeof result === 'number') total[side].result += result;
          }
        }
        const entry = best.get(t.label);
        for (const side of ['package', 'raw']) entry[side] = Math.max(entry[side], figure(t, total[side]));
      }
    }
    const rss = {
      package: (await workers.package.run('rss')).result,
      raw: (await workers.raw.run('rss')).result,
    };

    const units = { url: 'URLs/s', listdir: 'listings/s', scan: 'listings/s', deleteMany: 'names/s' };
    const unit = ({ task }) => units[task] ?? 'MiB/s';
    const rows = tasks.map((t) => {
      const { package: ours, raw } = best.get(t.label);
      const used = cpu.get(t.label);
      const row = { task: t.label, unit: unit(t), package: ours, raw, ratio: ours / raw };
      if (used.package > 0) row.cpuRatio = used.raw / used.package;
      if (t.size === '1 KiB')
        Object.assign(row, { packageOpsPerSecond: (ours * MiB) / KiB, rawOpsPerSecond: (raw * MiB) / KiB });
      return row;
    });
    for (const [label, key] of [
      ['RSS once loaded', 'loaded'],
      ['peak RSS (whole run)', 'peak'],
    ]) {
      const ours = rss.package[key] / MiB;
      const raw = rss.raw[key] / MiB;
      rows.push({ task: label, unit: 'MiB', package: ours, raw, ratio: raw / ours });
    }

    const number = (value) =>
      value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(value >= 10 ? 1 : 2);
    console.log(
      `\nnestjs-storages vs the raw AWS SDK, best of ${ROUNDS} interleaved rounds; Node ${process.version}; ` +
        `server: ${process.env.S3_TEST_ENDPOINT ? server.endpoint : 's3rver (child process)'}`,
    );
    console.log('ratio = package / raw for throughput, raw / package for RSS: 1.00 is the same, above 1 is better;');
    console.log('each side in its own process, both with @nestjs/common loaded (as in any Nest app);');
    console.log(
      'saves: the package sends Content-MD5 on every PutObject and UploadPart (checksums WHEN_REQUIRED), the raw SDK none\n',
    );
    console.log(
      'cpu = raw CPU time / package CPU time on the task, over all rounds (above 1: the package spends less)\n',
    );
    console.log(`${'task'.padEnd(30)} ${'package'.padStart(12)} ${'raw SDK'.padStart(12)}  unit        ratio    cpu`);
    for (const row of rows) {
      const flag = row.ratio < 0.95 ? ' <' : '  ';
      const cpuRatio = row.cpuRatio === undefined ? '' : row.cpuRatio.toFixed(2).padStart(6);
      console.log(
        `${row.task.padEnd(30)} ${number(row.package).padStart(12)} ${number(row.raw).padStart(12)}  ${row.unit.padEnd(10)} ${row.ratio.toFixed(2)}${flag} ${cpuRatio}`,
      );
    }
    const report = {
      date: new Date().toISOString(),
      loadAverage: loadavg(),
      node: process.version,
      server: process.env.S3_TEST_ENDPOINT ? server.endpoint : 's3rver',
      rounds: ROUNDS,
      sizes: SIZES,
      packageSendsContentMd5: true,
      rows,
    };
    const path = join(dirname(fileURLToPath(import.meta.url)), 'results', 'report.json');
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(report, null, 2) + '\n');
    console.log(`\nreport: ${path}`);
    console.log(JSON.stringify(report));
  } finally {
    for (const w of Object.values(workers)) w.stop();
    client.destroy();
    await stop();
  }
}

const workerIndex = process.argv.indexOf('--worker');
if (workerIndex > 0) {
  const { server, privateKey } = JSON.parse(process.env.BENCH_CONTEXT);
  await worker(process.argv[workerIndex + 1], server, privateKey);
} else {
  await main();
}
