#!/usr/bin/env node
/**
 * The package's command, `nestjs-storages collectstatic <dir>`: Django's `manage.py
 * collectstatic` for a front end's built assets, with the storage built from Django's global
 * setting names in the environment (`AWS_STORAGE_BUCKET_NAME`, `AWS_S3_ENDPOINT_URL`, ...).
 *
 *   nestjs-storages collectstatic dist/ --location static --manifest --clear
 *
 * Unlike `manage.py collectstatic` it never asks for confirmation: it is meant for CI.
 */
import { parseArgs } from 'node:util';
import { ImproperlyConfigured } from '../core/errors.js';
import { S3ManifestStaticStorage } from '../backends/s3/s3-manifest-static.storage.js';
import { s3OptionsFromConfig } from '../backends/s3/s3-options-from-config.js';
import { S3StaticStorage } from '../backends/s3/s3-static.storage.js';
import { collectStatic } from '../staticfiles/collect-static.js';
import { DEFAULT_IGNORE_PATTERNS } from '../staticfiles/source-tree.js';
import { ProgressReporter } from './progress-reporter.js';

const USAGE = `Usage: nestjs-storages collectstatic <dir> [options]

Uploads the files of <dir> to S3. Only new and changed files are uploaded.

Options:
  --location L       key prefix in the bucket (default: AWS_LOCATION, else none)
  --manifest         store hashed copies and staticfiles.json (S3ManifestStaticStorage)
  --dry-run          report what would be copied and deleted, write nothing
  --clear            delete files under the location that are not in <dir>
  --concurrency N    uploads at once (default 16)
  -i, --ignore P     also ignore names matching the glob P (repeatable)
  --no-default-ignore  collect '.*', '*~' and 'CVS' too
  -h, --help         this text

The bucket and credentials come from the environment, as Django's settings:
AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_IS_GZIPPED, AWS_S3_OBJECT_PARAMETERS, ...
`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        location: { type: 'string' },
        manifest: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        clear: { type: 'boolean' },
        concurrency: { type: 'string' },
        ignore: { type: 'string', short: 'i', multiple: true },
        'no-default-ignore': { type: 'boolean' },
        // Django's, accepted for habit's sake: this command never asks.
        noinput: { type: 'boolean' },
        'no-input': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [command, sourceDir, ...extra] = positionals;
  if (command !== 'collectstatic') return usageError(command ? `Unknown command '${command}'` : 'No command given');
  if (!sourceDir || extra.length) return usageError('collectstatic takes exactly one directory');
  const concurrency = values.concurrency === undefined ? 16 : Number(values.concurrency);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    return usageError(`--concurrency must be a positive integer (got '${values.concurrency}')`);
  }

  let storage: S3StaticStorage;
  try {
    const options = s3OptionsFromConfig(
      process.env,
      values.location !== undefined ? { location: values.location } : {},
    );
    if (!options.bucketName) throw new ImproperlyConfigured('AWS_STORAGE_BUCKET_NAME is not set');
    storage = values.manifest ? new S3ManifestStaticStorage(options) : new S3StaticStorage(options);
  } catch (err) {
    process.stderr.write(`nestjs-storages: ${(err as Error).message}\n`);
    return 1;
  }

  const dryRun = values['dry-run'] ?? false;
  const reporter = new ProgressReporter(process.stderr, dryRun);
  const started = performance.now();
  try {
    const result = await collectStatic(storage, sourceDir, {
      dryRun,
      clear: values.clear ?? false,
      concurrency,
      onProgress: reporter.onProgress,
      ignorePatterns: [...(values['no-default-ignore'] ? [] : DEFAULT_IGNORE_PATTERNS), ...(values.ignore ?? [])],
    });
    process.stdout.write(reporter.summary(result, performance.now() - started) + '\n');
    return 0;
  } catch (err) {
    process.stderr.write(`\nnestjs-storages collectstatic failed: ${(err as Error).name}: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await storage.close();
  }
}

function usageError(message: string): number {
  process.stderr.write(`nestjs-storages: ${message}\n\n${USAGE}`);
  return 2;
}

// No top-level await: the published CLI is a CommonJS script.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
