/**
 * `npm run bench`: every benchmark, one after the other, each in its own process(es) so none
 * shares memory or CPU with another, against one server: s3rver (each bench starts its own) or
 * the server S3_TEST_* describe (Ceph RGW, MinIO, ...). Prints the targets of issue 16 with the
 * figures that decide them, and writes everything to bench/results/<server>.json with the run's
 * date, Node and SDK versions and the machine's load average.
 *
 *   npm run bench
 *   S3_TEST_ENDPOINT=... S3_TEST_ACCESS_KEY=... S3_TEST_SECRET_KEY=... S3_TEST_BUCKET=... npm run bench
 *   BENCH_ONLY=save,urls npm run bench     (some of: import, sdk, save, concurrent, collectstatic)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const version = (name) => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
const server = process.env.S3_TEST_ENDPOINT ? (process.env.S3_TEST_SERVER ?? 'external') : 's3rver';
const only = process.env.BENCH_ONLY?.split(',');
const MiB = 2 ** 20;

const BENCHES = {
  import: 'import-weight.mjs',
  sdk: 'vs-sdk.mjs',
  save: 'save-1gib.mjs',
  concurrent: 'concurrent-uploads.mjs',
  collectstatic: 'collectstatic.mjs',
};

/** Runs one bench script, its output passed through; resolves with its last line parsed as JSON. */
function run(script) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, script)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (data) => {
      output += data;
      process.stdout.write(data);
    });
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      const last = output.trim().split('\n').at(-1);
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${script} did not end with a JSON line`));
      }
    });
  });
}

const report = {
  date: new Date().toISOString(),
  server,
  node: process.version,
  sdk: { '@aws-sdk/client-s3': version('@aws-sdk/client-s3'), '@aws-sdk/lib-storage': version('@aws-sdk/lib-storage') },
  loadAverageAtStart: loadavg(),
  results: {},
};
for (const [name, script] of Object.entries(BENCHES)) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(
    `\n== ${script} (load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})\n`,
  );
  report.results[name] = { loadAverage: loadavg(), ...(await run(script)) };
}
report.loadAverageAtEnd = loadavg();

// The targets, each with the figure that decides it.
const targets = [];
const add = (what, figure, target, met) => targets.push({ what, figure, target, met });
const { import: weight, sdk, save, concurrent, collectstatic } = report.results;
if (weight) {
  add(
    'import + one S3Storage over client-s3 + @nestjs/core',
    `${(weight.over / MiB).toFixed(1)} MiB`,
    '≤ 30 MiB',
    weight.over <= weight.target,
  );
}
if (sdk) {
  const row = (task) => sdk.rows.find((r) => r.task === task);
  for (const [task, min] of [
    ['url() presigned GET', 10],
    ['url() unsigned', 0.5],
    ['url() custom domain', 0.5],
    ['read 64 MiB (whole)', 0.95],
    ['read 64 MiB (stream)', 0.95],
    ['save 64 MiB', 0.95],
  ]) {
    const r = row(task);
    if (r) add(`${task} / raw SDK`, `${r.ratio.toFixed(2)}×`, `≥ ${min}×`, r.ratio >= min);
  }
}
if (save) {
  for (const [kind, from] of [
    ['file', 'from a file'],
    ['generated', 'from a generated Readable'],
  ]) {
    const run = save[kind];
    if (!run) continue;
    add(
      `1 GiB save() ${from}: RSS growth`,
      `${(run.storage.growth / MiB).toFixed(1)} MiB (lib-storage ${(run.upload.growth / MiB).toFixed(1)}; the source alone ${(run.source.growth / MiB).toFixed(1)})`,
      `≤ ${(save.growthTarget / MiB).toFixed(1)} MiB`,
      run.storage.growth <= save.growthTarget,
    );
    add(
      `1 GiB save() ${from}: peak RSS of the process`,
      `${(run.storage.maxRss / MiB).toFixed(1)} MiB (lib-storage ${(run.upload.maxRss / MiB).toFixed(1)})`,
      '< 150 MiB',
      run.storage.maxRss < 150 * MiB,
    );
    add(`1 GiB save() ${from}: throughput / lib-storage`, `${run.ratio.toFixed(2)}×`, '≥ 1.0×', run.ratio >= 1);
  }
}
if (concurrent) {
  const { package: ours, 'lib-storage': theirs } = concurrent.results;
  add(
    `${concurrent.uploads} × ${concurrent.uploadMiB} MiB through the interceptor: RSS growth`,
    `${(ours.growth / MiB).toFixed(1)} MiB (lib-storage server ${(theirs.growth / MiB).toFixed(1)})`,
    `≤ ${(concurrent.target / MiB).toFixed(0)} MiB`,
    ours.growth <= concurrent.target,
  );
  add(
    `${concurrent.uploads} × ${concurrent.uploadMiB} MiB: stored intact`,
    `${ours.intact}/${concurrent.uploads}`,
    'all',
    ours.intact === concurrent.uploads,
  );
}
if (collectstatic) {
  const first = collectstatic.ratios['collectstatic / 1st run (empty)'];
  if (first !== undefined)
    add('collectstatic 1st run: aws s3 sync time / ours (median)', `${first.toFixed(2)}×`, '≥ 1.0×', first >= 1);
  const manifest = collectstatic.ratios['collectstatic --manifest / 1st run (empty)'];
  if (manifest !== undefined)
    add('collectstatic --manifest 1st run: aws / ours (median)', `${manifest.toFixed(2)}×`, '(no target)', undefined);
  const second = collectstatic.summary.find((s) => s.tool === 'collectstatic' && s.run.startsWith('2nd'));
  const listOnly = Object.keys(second.counts).every((op) => op === 'LIST');
  add('collectstatic unchanged re-run: requests', JSON.stringify(second.counts), 'LIST only', listOnly);
}
report.targets = targets;

console.log(
  `\n## ${server}, ${report.date}, Node ${report.node}, client-s3 ${report.sdk['@aws-sdk/client-s3']}, lib-storage ${report.sdk['@aws-sdk/lib-storage']}, load ${report.loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')}\n`,
);
console.log('| target | figure | wanted | met |');
console.log('| --- | --- | --- | --- |');
for (const t of targets)
  console.log(`| ${t.what} | ${t.figure} | ${t.target} | ${t.met === undefined ? '—' : t.met ? 'yes' : 'no'} |`);
const path = join(here, 'results', `${server}.json`);
await mkdir(dirname(path), { recursive: true });
await writeFile(path, JSON.stringify(report, null, 2) + '\n');
console.log(`\nreport: ${path}`);
