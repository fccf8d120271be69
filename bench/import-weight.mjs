/**
 * What importing the package costs: the RSS of a process that imports nestjs-storages and builds
 * one S3Storage, against one that imports `@aws-sdk/client-s3` and `@nestjs/core` alone (what any
 * Nest app on S3 loads anyway). Each is a fresh process, measured after a full garbage collection,
 * best (lowest) of BENCH_ROUNDS (default 5) interleaved runs. Target: at most 30 MiB over. The
 * last line printed is the figures as JSON. Never part of `npm test`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const MiB = 2 ** 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TARGET = 30 * MiB;

const SIDES = {
  node: '',
  baseline: `await import('reflect-metadata'); await import('@aws-sdk/client-s3'); await import('@nestjs/core');`,
  package:
    `await import('reflect-metadata'); await import('@aws-sdk/client-s3'); await import('@nestjs/core');` +
    `const { S3Storage } = await import(${JSON.stringify(new URL('../dist/cjs/index.js', import.meta.url).href)});` +
    `globalThis.kept = new S3Storage({ bucketName: 'media', regionName: 'eu-west-1', accessKey: 'AKID', secretKey: 'secret' });`,
};

async function measure(code) {
  const script =
    `process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; ${code}` +
    `globalThis.gc(); globalThis.gc(); console.log(process.memoryUsage.rss());`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  return Number(stdout.trim());
}

const best = Object.fromEntries(Object.keys(SIDES).map((side) => [side, Infinity]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [side, code] of Object.entries(SIDES)) best[side] = Math.min(best[side], await measure(code));
}
const over = best.package - best.baseline;
const mib = (bytes) => (bytes / MiB).toFixed(1);
console.log(`\nRSS after import, best of ${ROUNDS}; Node ${process.version}`);
console.log(`  node alone                                  ${mib(best.node).padStart(6)} MiB`);
console.log(`  @aws-sdk/client-s3 + @nestjs/core           ${mib(best.baseline).padStart(6)} MiB`);
console.log(`  + nestjs-storages and one S3Storage         ${mib(best.package).padStart(6)} MiB`);
console.log(
  `  the package adds ${mib(over)} MiB; target at most ${mib(TARGET)} MiB: ${over <= TARGET ? 'met' : 'MISSED'}`,
);
console.log(JSON.stringify({ rounds: ROUNDS, ...best, over, target: TARGET }));
