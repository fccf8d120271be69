/**
 * collectStatic and S3ManifestStaticStorage against the real S3 server, with every request
 * counted on the wire by a proxy in front of it: the second run over an unchanged tree makes
 * only LIST requests (one per 1,000 objects), gzip and multipart uploads are recognised as
 * unchanged, and the CLI does the same from the environment.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  collectStatic,
  ImproperlyConfigured,
  S3ManifestStaticStorage,
  S3StaticStorage,
  ValueError,
  type S3StorageOptions,
} from '../../lib/index.js';
import { fileHash } from '../../lib/staticfiles/hashed-name.js';
import { compileLib } from '../support/compile-lib.js';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

let proxy: CountingProxy;
let source: string;
const raw = rawClient();
const storages: S3StaticStorage[] = [];

beforeAll(async () => {
  proxy = await startCountingProxy(server.endpoint);
});
afterAll(async () => {
  await Promise.all(storages.map((storage) => storage.close()));
  await proxy.close();
  raw.destroy();
});
beforeEach(async () => {
  source = await mkdtemp(join(tmpdir(), 'collectstatic-s3-'));
});
afterEach(() => rm(source, { recursive: true, force: true }));

function options(location: string, extra: S3StorageOptions = {}): S3StorageOptions {
  return s3Options({ endpointUrl: proxy.endpoint, location, ...extra });
}
function manifestStorage(location: string, extra: Record<string, unknown> = {}): S3ManifestStaticStorage {
  const storage = new S3ManifestStaticStorage({ ...options(location), ...extra });
  storages.push(storage);
  return storage;
}
function staticStorage(location: string, extra: S3StorageOptions = {}): S3StaticStorage {
  const storage = new S3StaticStorage(options(location, extra));
  storages.push(storage);
  return storage;
}

async function tree(files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(source, name)), { recursive: true });
    await writeFile(join(source, name), content);
  }
}

async function keys(location: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await raw.send(
      new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `${location}/`, ContinuationToken: token }),
    );
    found.push(...(page.Contents ?? []).map((object) => object.Key!.slice(location.length + 1)));
    token = page.NextContinuationToken;
  } while (token);
  return found.sort();
}

async function body(key: string): Promise<string> {
  const object = await raw.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
  return object.Body!.transformToString();
}

const h = (content: string | Buffer) => fileHash(content);

describe('S3ManifestStaticStorage', () => {
  const files = {
    'css/site.css': '@import "base.css";\n.logo{background:url("../img/logo.svg#x")}',
    'css/base.css': 'body{margin:0}',
    'img/logo.svg': '<svg/>',
    'js/app.js': 'x()\n//# sourceMappingURL=app.js.map',
    'js/app.js.map': '{}',
  };

  test('stores originals, hashed copies and staticfiles.json; url() links to the hashed copy', async () => {
    const location = uniqueLocation('manifest');
    await tree(files);
    // Public, as static files are served: the unsigned URL must work on a server that checks (Ceph).
    const storage = manifestStorage(location, { defaultAcl: 'public-read' });
    const result = await collectStatic(storage, source);
    expect(result.copied).toHaveLength(11);
    const manifest = JSON.parse(await body(`${location}/staticfiles.json`)) as { paths: Record<string, string> };
    expect(Object.keys(manifest.paths)).toEqual(Object.keys(files).sort());
    expect(await keys(location)).toEqual(
      [...Object.keys(files), ...Object.values(manifest.paths), 'staticfiles.json'].sort(),
    );
    expect(await body(`${location}/${manifest.paths['css/site.css']}`)).toBe(
      `@import url("${manifest.paths['css/base.css'].slice(4)}");\n.logo{background:url("../${manifest.paths['img/logo.svg']}#x")}`,
    );
    expect(await body(`${location}/${manifest.paths['js/app.js']}`)).toBe(
      `x()\n//# sourceMappingURL=${manifest.paths['js/app.js.map'].slice(3)}`,
    );

    // Another process: nothing is read at construction, the manifest once on the first url().
    proxy.reset();
    const reader = manifestStorage(location);
    expect(proxy.counts()).toEqual({});
    const url = await reader.url('css/site.css');
    expect(url).toBe(`${proxy.endpoint}/${server.bucket}/${location}/${manifest.paths['css/site.css']}`);
    expect(await reader.url('img/logo.svg#frag')).toBe(
      `${proxy.endpoint}/${server.bucket}/${location}/${manifest.paths['img/logo.svg']}#frag`,
    );
    expect(await reader.url('img/logo.svg?v=2')).toBe(
      `${proxy.endpoint}/${server.bucket}/${location}/${manifest.paths['img/logo.svg']}?v=2`,
    );
    expect(proxy.counts()).toEqual({ GET: 1 });
    const response = await fetch(url.replace(proxy.endpoint, server.endpoint));
    expect(await response.text()).toBe(await body(`${location}/${manifest.paths['css/site.css']}`));
  });

  test("strict url() of a name missing from the manifest is Django's ValueError; not strict hashes the stored file", async () => {
    const location = uniqueLocation('manifest-strict');
    await tree({ 'a.css': 'a{}' });
    await collectStatic(manifestStorage(location), source);
    // Stored after collectstatic, so not in the manifest.
    await staticStorage(location).save('late.js', 'late()');

    const strict = manifestStorage(location);
    await expect(strict.url('late.js')).rejects.toThrow(
      new ValueError("Missing staticfiles manifest entry for 'late.js'"),
    );
    const lenient = manifestStorage(location, { manifestStrict: false });
    expect(await lenient.url('late.js')).toBe(`${proxy.endpoint}/${server.bucket}/${location}/late.${h('late()')}.js`);
    expect(lenient.manifestName).toBe('staticfiles.json');
  });

  test('manifestName and manifestStrict are settings, validated with the others', () => {
    const location = uniqueLocation('manifest-name');
    expect(manifestStorage(location, { manifestName: 'assets.json' }).manifestName).toBe('assets.json');
    expect(
      () => new S3ManifestStaticStorage({ bucketName: 'b', manifestStrict: 'yes', manifestName: 5, bogus: 1 } as never),
    ).toThrow(ImproperlyConfigured);
    try {
      new S3ManifestStaticStorage({ bucketName: 'b', manifestStrict: 'yes', manifestName: 5, bogus: 1 } as never);
    } catch (err) {
      expect((err as ImproperlyConfigured).violations).toEqual([
        "Invalid setting 'bogus' for S3ManifestStaticStorage",
        "S3ManifestStaticStorage setting 'manifestName' must be a file name, such as 'staticfiles.json'",
        "S3ManifestStaticStorage setting 'manifestName' must be a string",
        "S3ManifestStaticStorage setting 'manifestStrict' must be a boolean",
      ]);
    }
  });
});

describe('collectStatic request budget', () => {
  test('a second run over an unchanged tree of 1,021 objects makes 2 LIST requests and nothing else', async () => {
    const location = uniqueLocation('budget');
    const files: Record<string, string> = { 'css/all.css': '' };
    for (let i = 0; i < 509; i++) files[`js/m${String(i).padStart(3, '0')}.js`] = `m(${i})`;
    files['css/all.css'] = '.a{background:url(../js/m000.js)}';
    await tree(files);
    const storage = manifestStorage(location);

    proxy.reset();
    const first = await collectStatic(storage, source, { concurrency: 8 });
    expect(first.copied).toHaveLength(510 * 2 + 1);
    // One PUT per object, no HEAD or GET per file.
    expect(proxy.counts()).toEqual({ LIST: 1, PUT: 1021 });

    proxy.reset();
    const second = await collectStatic(manifestStorage(location), source);
    expect(second).toEqual({ copied: [], unchanged: expect.any(Array), deleted: [], bytes: 0 });
    expect(second.unchanged).toHaveLength(1021);
    expect(proxy.counts()).toEqual({ LIST: 2 });
  });

  test('gzip: the gzipped bytes save() stores are predicted, so a second run skips them', async () => {
    const location = uniqueLocation('gzip');
    const css = '.a{color:red}\n'.repeat(200);
    await tree({ 'site.css': css, 'logo.png': Buffer.alloc(300, 1) });
    const storage = staticStorage(location, { gzip: true });
    await collectStatic(storage, source);
    const head = await raw.send(new HeadObjectCommand({ Bucket: server.bucket, Key: `${location}/site.css` }));
    expect(head.ContentEncoding).toBe('gzip');
    expect(head.ContentLength).toBeLessThan(css.length);

    proxy.reset();
    expect((await collectStatic(staticStorage(location, { gzip: true }), source)).copied).toEqual([]);
    expect(proxy.counts()).toEqual({ LIST: 1 });
    // Without gzip the stored bytes differ, so the stylesheet is stored again, plain.
    expect((await collectStatic(staticStorage(location), source)).copied).toEqual(['site.css']);
  });

  test('a multipart upload is recognised as unchanged by its predicted ETag', async () => {
    const location = uniqueLocation('multipart');
    const big = Buffer.alloc(11 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    await tree({ 'video.bin': big });
    const transferConfig = { partSize: 5 * 1024 * 1024, multipartThreshold: 5 * 1024 * 1024 };
    proxy.reset();
    await collectStatic(staticStorage(location, { transferConfig }), source);
    expect(proxy.counts()).toMatchObject({ CreateMultipartUpload: 1, UploadPart: 3, CompleteMultipartUpload: 1 });

    proxy.reset();
    expect((await collectStatic(staticStorage(location, { transferConfig }), source)).unchanged).toEqual(['video.bin']);
    expect(proxy.counts()).toEqual({ LIST: 1 });
  });

  test('dry run lists and writes nothing; clear deletes only what the tree no longer has', async () => {
    const location = uniqueLocation('clear');
    await tree({ 'a.js': 'a()', 'b.js': 'b()' });
    await staticStorage(location).save('stale/old.js', 'old()');
    const outside = `${location}-outside`;
    await staticStorage(outside).save('keep.js', 'keep()');

    proxy.reset();
    const dry = await collectStatic(staticStorage(location), source, { dryRun: true, clear: true });
    expect(dry).toEqual({ copied: ['a.js', 'b.js'], unchanged: [], deleted: ['stale/old.js'], bytes: 6 });
    expect(proxy.counts()).toEqual({ LIST: 1 });
    expect(await keys(location)).toEqual(['stale/old.js']);

    const result = await collectStatic(staticStorage(location), source, { clear: true });
    expect(result.deleted).toEqual(['stale/old.js']);
    expect(await keys(location)).toEqual(['a.js', 'b.js']);
    expect(await keys(outside)).toEqual(['keep.js']);
  });
});

describe('nestjs-storages collectstatic (the CLI, as a child process)', () => {
  let lib: string;
  beforeAll(async () => {
    lib = await compileLib();
  });
  afterAll(() => rm(lib, { recursive: true, force: true }));

  function run(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [join(lib, 'cjs/cli/cli.js'), ...args], {
      env: {
        PATH: process.env.PATH,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_STORAGE_BUCKET_NAME: server.bucket,
        AWS_S3_ENDPOINT_URL: proxy.endpoint,
        AWS_S3_REGION_NAME: server.region,
        AWS_ACCESS_KEY_ID: server.accessKey,
        AWS_SECRET_ACCESS_KEY: server.secretKey,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.once('close', (code) => resolve({ code, stdout, stderr })),
    );
  }

  test('collects from the environment, prints plain lines and a summary, then skips on a second run', async () => {
    const location = uniqueLocation('cli');
    await tree({ 'css/a.css': '.a{background:url(../img/i.svg)}', 'img/i.svg': '<svg/>' });

    const first = await run(['collectstatic', source, '--location', location, '--manifest', '--concurrency', '4']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("Copying 'css/a.css'\n");
    expect(first.stderr).toContain("Copying 'staticfiles.json'\n");
    expect(first.stdout).toMatch(
      /^5 static files copied \(\d+(\.\d)? (B|KiB)\), 0 unchanged, 0 deleted, in \d+\.\ds\.\n$/,
    );
    expect(await keys(location)).toContain(`img/i.${h('<svg/>')}.svg`);

    proxy.reset();
    const second = await run(['collectstatic', source, '--location', location, '--manifest']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^0 static files copied \(0 B\), 5 unchanged, 0 deleted, in/);
    expect(proxy.counts()).toEqual({ LIST: 1 });

    await writeFile(join(source, 'img/i.svg'), '<svg id="2"/>');
    const dry = await run(['collectstatic', source, '--location', location, '--manifest', '--dry-run', '--clear']);
    expect(dry.stderr).toContain(`Would copy 'img/i.${h('<svg id="2"/>')}.svg'`);
    expect(dry.stderr).toContain(`Would delete 'img/i.${h('<svg/>')}.svg'`);
    expect(dry.stdout).toContain('Dry run: nothing was written.');
  });

  test('bad arguments and missing settings fail with a clear message, never a secret', async () => {
    const usage = await run(['collectstatic']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('collectstatic takes exactly one directory');
    expect((await run(['collectstatic', source, '--concurrency', '0'])).stderr).toContain(
      "--concurrency must be a positive integer (got '0')",
    );
    const noBucket = await run(['collectstatic', source], { AWS_STORAGE_BUCKET_NAME: '' });
    expect(noBucket.code).toBe(1);
    expect(noBucket.stderr).toContain('AWS_STORAGE_BUCKET_NAME is not set');
    const badSetting = await run(['collectstatic', source], { AWS_QUERYSTRING_EXPIRE: 'soon' });
    expect(badSetting.stderr).toContain("AWS_QUERYSTRING_EXPIRE must be an integer (got 'soon')");
    expect(badSetting.stderr).not.toContain(server.secretKey);
    const missing = await run(['collectstatic', join(source, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
  });
});
