/**
 * collectstatic on a generated front-end build of 2,000 files (scripts, images, fonts, some
 * large media, stylesheets that refer to images, fonts and each other) beside `aws s3 sync` on
 * the same tree and server in the same run. Each tool runs as a child process (start-up
 * included), through a counting HTTP proxy, so every request of every tool is counted on the wire.
 *
 *   npm run bench:collectstatic          (builds dist/ first; s3rver, or the server S3_TEST_* describe)
 *   BENCH_FILES=500 BENCH_ROUNDS=5 npm run bench:collectstatic
 *   AWS_CLI=/usr/bin/aws npm run bench:collectstatic   (default: /usr/bin/aws, else `aws` on PATH)
 *   BENCH_CONCURRENCY=10 npm run bench:collectstatic   (collectstatic's --concurrency; default 16)
 *   BENCH_CPU_PROF=/tmp/profiles npm run bench:collectstatic   (a CPU profile of each collectstatic run)
 *
 * Rounds (BENCH_ROUNDS, default 3), the tools taking turns in an order that rotates each round,
 * each on a fresh prefix: 1) the first upload, 2) the same tree again, 3) the tree rebuilt with
 * the same content but new modification times (what a CI build produces every time). The
 * verdict is the median over rounds of each round's ratio (aws time / collectstatic time: above
 * 1, collectstatic is faster), so a neighbour's burst of load does not decide it. The last
 * line printed is the figures as JSON.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, request, Agent } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectsCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { ensureBucket, rawClient } from './bench-server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FILES = Number(process.env.BENCH_FILES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = process.env.BENCH_CONCURRENCY ?? '16';
const EXTERNAL = !!process.env.S3_TEST_ENDPOINT;
/** A directory for a CPU profile of each collectstatic run (`node --cpu-prof`), to see where its time goes. */
const PROFILE = process.env.BENCH_CPU_PROF;
const BUCKET = EXTERNAL ? (process.env.S3_TEST_BUCKET ?? 'nestjs-storages-bench') : 'bench';
const REGION = process.env.S3_TEST_REGION || 'us-east-1';
const CREDENTIALS = EXTERNAL
  ? { AWS_ACCESS_KEY_ID: process.env.S3_TEST_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: process.env.S3_TEST_SECRET_KEY }
  : { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
const RUN_ID = `cs-${Date.now().toString(36)}`;

const work = await mkdtemp(join(tmpdir(), 'bench-collectstatic-'));
const source = join(work, 'build');
const s3 = EXTERNAL
  ? { endpoint: process.env.S3_TEST_ENDPOINT, stop: async () => {} }
  : await startS3rver(join(work, 's3rver'));
const client = rawClient({
  endpoint: s3.endpoint,
  region: REGION,
  accessKey: CREDENTIALS.AWS_ACCESS_KEY_ID,
  secretKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY,
});
await ensureBucket(client, BUCKET);
const proxy = await startCountingProxy(s3.endpoint);
try {
  const { count, bytes } = await generateTree(source, FILES);
  console.log(`Tree: ${count} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB (${source})`);
  console.log(
    `server ${EXTERNAL ? s3.endpoint : `s3rver ${s3.endpoint}`}, counted through ${proxy.endpoint}; Node ${process.version}\n`,
  );

  const aws = findAws();
  const tools = [
    ['collectstatic', (prefix) => ourCli(['--location', prefix])],
    ['collectstatic --manifest', (prefix) => ourCli(['--location', prefix, '--manifest'])],
  ];
  if (aws) tools.push([`aws s3 sync (${aws.version})`, (prefix) => awsSync(aws.bin, prefix)]);
  else console.log('aws s3 sync: skipped, no `aws` found (apt-get install -y awscli, or set AWS_CLI)\n');

  const RUNS = [
    ['1st run (empty)', async () => {}],
    ['2nd run (unchanged)', async () => {}],
    ['3rd run (rebuilt: same content, new mtimes)', () => touchTree(source)],
  ];
  const rows = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = tools.map((_, i) => tools[(i + round) % tools.length]);
    for (const [run, prepare] of RUNS) {
      await prepare();
      for (const [name, command] of order) {
        proxy.reset();
        const started = performance.now();
        await command(`${RUN_ID}/r${round}/${tools.indexOf(tools.find(([n]) => n === name))}`);
        const seconds = (performance.now() - started) / 1000;
        rows.push({ round, tool: name, run, seconds, counts: proxy.counts(), ...proxy.wire() });
        process.stderr.write(`round ${round + 1}: ${name}, ${run}: ${seconds.toFixed(2)} s\n`);
      }
    }
  }

  console.log(`${'tool'.padEnd(34)} ${'run'.padEnd(44)} ${'median'.padStart(7)}  requests (last round)`);
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const summary = [];
  for (const [name] of tools) {
    for (const [run] of RUNS) {
      const mine = rows.filter((row) => row.tool === name && row.run === run);
      const { counts } = mine.at(-1);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const detail = Object.entries(counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([operation, n]) => `${operation} ${n}`)
        .join(', ');
      const seconds = median(mine.map((row) => row.seconds));
      const { connections, peakInFlight } = mine.at(-1);
      summary.push({
        tool: name,
        run,
        medianSeconds: seconds,
        seconds: mine.map((r) => r.seconds),
        counts,
        connections,
        peakInFlight,
      });
      console.log(
        `${name.padEnd(34)} ${run.padEnd(44)} ${seconds.toFixed(2).padStart(6)}s  ${total} (${detail}); ` +
          `${connections} connections, at most ${peakInFlight} requests at once`,
      );
    }
  }
  const ratios = {};
  if (aws) {
    const awsName = tools[2][0];
    for (const [name] of tools.slice(0, 2)) {
      for (const [run] of RUNS) {
        const perRound = Array.from({ length: ROUNDS }, (_, round) => {
          const time = (tool) => rows.find((r) => r.round === round && r.tool === tool && r.run === run).seconds;
          return time(awsName) / time(name);
        });
        ratios[`${name} / ${run}`] = median(perRound);
      }
    }
    console.log(
      `\nmedian over ${ROUNDS} rounds of (aws s3 sync time / collectstatic time); above 1, collectstatic is faster:`,
    );
    for (const [label, ratio] of Object.entries(ratios)) console.log(`  ${label.padEnd(80)} ${ratio.toFixed(2)}`);
  }
  console.log(JSON.stringify({ files: count, bytes, rounds: ROUNDS, summary, ratios }));
} finally {
  await proxy.close();
  if (EXTERNAL) await deletePrefix(client, BUCKET, `${RUN_ID}/`).catch(() => undefined);
  client.destroy();
  await s3.stop();
  await rm(work, { recursive: true, force: true });
}

async function deletePrefix(s3Client, bucket, prefix) {
  for await (const page of paginateListObjectsV2({ client: s3Client }, { Bucket: bucket, Prefix: prefix })) {
    const objects = (page.Contents ?? []).map(({ Key }) => ({ Key }));
    if (objects.length) await s3Client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
  }
}

function ourCli(args) {
  return runChild(
    process.execPath,
    [
      ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', PROFILE] : []),
      join(ROOT, 'dist/cjs/cli/cli.js'),
      'collectstatic',
      source,
      '--concurrency',
      CONCURRENCY,
      ...args,
    ],
    {
      AWS_STORAGE_BUCKET_NAME: BUCKET,
      AWS_S3_ENDPOINT_URL: proxy.endpoint,
      AWS_S3_REGION_NAME: REGION,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  );
}

function awsSync(bin, prefix) {
  return runChild(
    bin,
    [
      '--endpoint-url',
      proxy.endpoint,
      's3',
      'sync',
      source,
      `s3://${BUCKET}/${prefix}`,
      '--only-show-errors',
      '--no-progress',
    ],
    { AWS_DEFAULT_REGION: REGION, AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '' },
  );
}

function findAws() {
  const bin = process.env.AWS_CLI ?? (existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws');
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return undefined;
  return { bin, version: (probe.stdout || probe.stderr).trim().split(' ')[0] };
}

function runChild(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...CREDENTIALS, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited with ${code}:\n${output.slice(-2000)}`)),
    );
  });
}

/** A deterministic front-end build: names, sizes and contents come from a seeded generator. */
async function generateTree(root, count) {
  let seed = 42;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const between = (min, max) => Math.floor(min + random() * (max - min));
  const bytesOf = (size) => {
    const buffer = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) buffer.writeUInt32LE((random() * 2 ** 32) >>> 0, Math.min(i, size - 4));
    return buffer;
  };
  const text = (size) => {
    const words = ['const', 'function', 'return', 'export', 'import', 'value', 'render', 'state', '=>', '{', '}'];
    let out = '';
    while (out.length < size) out += words[between(0, words.length)] + (random() < 0.1 ? '\n' : ' ');
    return out;
  };

  const n = (share) => Math.max(1, Math.round(count * share));
  const images = Array.from({ length: n(0.15) }, (_, i) => `img/${i % 10}/image-${i}.png`);
  const fonts = Array.from({ length: n(0.05) }, (_, i) => `fonts/font-${i}.woff2`);
  const media = Array.from({ length: n(0.01) }, (_, i) => `media/clip-${i}.mp4`);
  const styles = Array.from({ length: n(0.1) }, (_, i) => `css/${i % 5}/style-${i}.css`);
  const scripts = Array.from(
    { length: count - images.length - fonts.length - media.length - styles.length },
    (_, i) => `js/chunk-${i}.${i % 4 === 0 ? 'mjs' : 'js'}`,
  );

  const files = new Map();
  for (const name of images) files.set(name, bytesOf(between(1024, 100 * 1024)));
  for (const name of fonts) files.set(name, bytesOf(between(10 * 1024, 60 * 1024)));
  for (const name of media) files.set(name, bytesOf(between(512 * 1024, 3 * 1024 * 1024)));
  for (const name of scripts) files.set(name, Buffer.from(text(between(512, 20 * 1024))));
  styles.forEach((name, i) => {
    const up = '../../';
    const rules = [];
    // An @import of a later stylesheet: chains of nested references, never a cycle.
    if (i + 1 < styles.length && i % 3 === 0) rules.push(`@import "${up}${styles[i + 1]}";`);
    for (let r = 0; r < 3; r++) rules.push(`.r${r}{background:url("${up}${images[between(0, images.length)]}")}`);
    rules.push(`@font-face{font-family:f${i};src:url(${up}${fonts[between(0, fonts.length)]}) format("woff2")}`);
    rules.push(text(between(256, 4096)).replace(/[{}]/g, ''));
    files.set(name, Buffer.from(rules.join('\n')));
  });

  let bytes = 0;
  for (const [name, content] of files) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), content);
    bytes += content.length;
  }
  return { count: files.size, bytes };
}

async function touchTree(root) {
  const { readdir } = await import('node:fs/promises');
  const now = new Date(Date.now() + 1000);
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) await utimes(join(entry.parentPath ?? entry.path, entry.name), now, now);
  }
}

async function freePort() {
  const server = createNetServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** s3rver as a child process, silent (its per-request log would cost time), with the bucket made at start. */
async function startS3rver(directory) {
  await mkdir(directory, { recursive: true });
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      join(ROOT, 'node_modules/s3rver/bin/s3rver.js'),
      ...['-d', directory, '-a', '127.0.0.1', '-p', String(port), '--silent', '--configure-bucket', BUCKET],
    ],
    { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`${endpoint}/${BUCKET}`);
      break;
    } catch (err) {
      if (attempt > 100 || child.exitCode !== null) throw new Error(`s3rver did not start: ${err}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    endpoint,
    stop: () =>
      new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill()))),
  };
}

/** An HTTP proxy that counts requests by S3 operation (as test/support/counting-proxy.ts). */
async function startCountingProxy(target) {
  const { hostname, port } = new URL(target);
  const agent = new Agent({ keepAlive: true });
  let counts = {};
  // Connections the tool opened (reuse shows as few), and the most requests it had in flight at once.
  let connections = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  const operationOf = (method, url) => {
    const { pathname, searchParams } = new URL(url, 'http://s3');
    if (searchParams.has('uploads')) return 'CreateMultipartUpload';
    if (searchParams.has('uploadId')) return method === 'PUT' ? 'UploadPart' : 'CompleteMultipartUpload';
    if (!/^\/*[^/]+\/./.test(pathname) && method === 'GET') return 'LIST';
    return method;
  };
  const server = createServer((req, res) => {
    const operation = operationOf(req.method, req.url);
    counts[operation] = (counts[operation] ?? 0) + 1;
    peakInFlight = Math.max(peakInFlight, ++inFlight);
    res.once('close', () => inFlight--);
    const upstream = request(
      { host: hostname, port, method: req.method, path: req.url, headers: req.headers, agent },
      (response) => {
        res.writeHead(response.statusCode, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', () => connections++);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    counts: () => ({ ...counts }),
    wire: () => ({ connections, peakInFlight }),
    reset: () => {
      counts = {};
      connections = 0;
      peakInFlight = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(resolve);
      }),
  };
}
