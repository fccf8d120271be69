/**
 * The real Uppy in a real browser: `@uppy/core` and `@uppy/aws-s3` from npm, bundled for the
 * page with esbuild, in Debian's Chromium (playwright-core), uploading through
 * StorageUploadModule's routes with `companionEndpoint`. The browser reaches S3 through a fault
 * proxy, so a test can fail a part or hold one back. Without Chromium the test says it skipped;
 * CI sets BROWSER_TEST_REQUIRED=1, so there it must run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListMultipartUploadsCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { Controller, Get, Header, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { S3Storage, StorageModule, StorageUploadModule } from '../../lib/index.js';
import { operationOf } from '../support/counting-proxy.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../support/fault-proxy.js';
import { itFaithful, rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = join(import.meta.dirname, '..', '..');
const available = existsSync(CHROMIUM);
const MiB = 1024 * 1024;

if (!available && process.env.BROWSER_TEST_REQUIRED) {
  throw new Error(`BROWSER_TEST_REQUIRED is set but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}
if (!available) {
  process.stderr.write(`Uppy browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)\n`);
}

/** The page's script: Uppy with the S3 plugin on the routes, files from the input, results to the test. */
const PAGE_SCRIPT = `
import Uppy from '@uppy/core';
import AwsS3 from '@uppy/aws-s3';

const uppy = new Uppy({ autoProceed: false })
  // Over 10 MiB goes up as multipart in 5 MiB parts; below, one presigned POST.
  .use(AwsS3, { companionEndpoint: '/storage-uploads', shouldUseMultipart: (file) => file.size > 10 * 1024 * 1024 });
window.uppy = uppy;
window.uploadPicked = () => {
  uppy.clear();
  for (const file of document.querySelector('input').files) uppy.addFile({ name: file.name, type: file.type, data: file });
  return uppy.upload().then((result) => ({
    successful: result.successful.map((f) => ({ name: f.name, key: f.response.body.key, location: f.response.body.location })),
    failed: result.failed.map((f) => ({ name: f.name, error: String(f.error) })),
  }));
};
`;

@Controller('page')
class PageController {
  static bundle = '';

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return '<!doctype html><html><body><input type="file" multiple><script src="/page/uppy.js"></script></body></html>';
  }

  @Get('uppy.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  script(): string {
    return PageController.bundle;
  }
}

(available ? describe : describe.skip)(
  `Uppy's S3 plugin in Chromium${available ? '' : ' (skipped: no Chromium)'}`,
  () => {
    const location = uniqueLocation('uppy');
    const s3 = rawClient();
    let proxy: FaultProxy;
    let app: INestApplication;
    let browser: Browser;
    let page: Page;
    let files: string;

    beforeAll(async () => {
      const bundled = await build({
        stdin: { contents: PAGE_SCRIPT, resolveDir: root, loader: 'js' },
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      PageController.bundle = bundled.outputFiles[0].text;
      // Browsers PUT parts from the app's origin and must read each part's ETag.
      await s3.send(
        new PutBucketCorsCommand({
          Bucket: server.bucket,
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: ['*'],
                AllowedMethods: ['GET', 'PUT', 'POST', 'HEAD'],
                AllowedHeaders: ['*'],
                ExposeHeaders: ['ETag'],
              },
            ],
          },
        }),
      );
      proxy = await startFaultProxy(server.endpoint);
      const moduleRef = await Test.createTestingModule({
        imports: [
          StorageModule.forRoot({
            storages: {
              default: { backend: S3Storage, options: s3Options({ location, endpointUrl: proxy.endpoint }) },
            },
          }),
          StorageUploadModule.forRoot({ uploadTo: 'uppy' }),
        ],
        controllers: [PageController],
      }).compile();
      app = moduleRef.createNestApplication({ logger: ['error'] });
      await app.listen(0, '127.0.0.1');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
      });
      page = await browser.newPage();
      await page.goto(`${await app.getUrl()}/page`);
      files = await mkdtemp(join(tmpdir(), 'uppy-files-'));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      await proxy?.close();
      s3.destroy();
      if (files) await rm(files, { recursive: true, force: true });
    });

    /** Puts `content` in a file the page's input holds, uploads it with Uppy, and answers Uppy's result. */
    async function upload(name: string, content: Buffer) {
      const path = join(files, name);
      await writeFile(path, content);
      await page.setInputFiles('input', path);
      return page.evaluate(() =>
        (
          globalThis as unknown as { uploadPicked(): Promise<{ successful: Uploaded[]; failed: unknown[] }> }
        ).uploadPicked(),
      );
    }

    async function stored(key: string): Promise<Buffer> {
      const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    }

    const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
    const partPuts = () => proxy.requests.filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url));

    it('a 40 MiB file goes up as a multipart upload, straight to S3, byte-identical', async () => {
      proxy.clear();
      const content = randomBytes(40 * MiB);
      const result = await upload('big file.bin', content);
      expect(result.failed).toEqual([]);
      const [file] = result.successful;
      expect(file.key).toBe('uppy/big_file.bin');
      expect(partPuts().map((r) => new URLSearchParams(r.url.split('?')[1]).get('partNumber'))).toEqual([
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
        '7',
        '8',
      ]);
      expect(md5(await stored(`${location}/${file.key}`))).toBe(md5(content));
      // The server's own S3 requests: create, complete, one HEAD; signing the parts costs none.
      const operations = proxy.requests.filter((r) => r.method !== 'OPTIONS').map((r) => operationOf(r.method, r.url));
      expect(operations.filter((operation) => operation !== 'UploadPart')).toEqual([
        'CreateMultipartUpload',
        'CompleteMultipartUpload',
        'HEAD',
      ]);
    }, 60_000);

    it('a 100 KiB file goes up as one presigned POST, byte-identical', async () => {
      proxy.clear();
      const content = randomBytes(100 * 1024);
      const result = await upload('small.bin', content);
      expect(result.failed).toEqual([]);
      // The form POST's key is the object key (location included), as S3 names it.
      expect(result.successful[0].key).toBe(`${location}/uppy/small.bin`);
      expect(partPuts()).toEqual([]);
      expect(proxy.requests.filter((r) => r.method === 'POST' && r.key === '')).toHaveLength(1);
      expect((await stored(`${location}/uppy/small.bin`)).equals(content)).toBe(true);
    }, 30_000);

    it('a part that fails once is sent again and the upload completes', async () => {
      proxy.clear();
      let failed = false;
      proxy.decide = (request: ProxiedRequest) => {
        if (!failed && request.method === 'PUT' && /[?&]partNumber=3(&|$)/.test(request.url)) {
          failed = true;
          return 'internal';
        }
        return undefined;
      };
      try {
        const content = randomBytes(20 * MiB);
        const result = await upload('retried.bin', content);
        expect(result.failed).toEqual([]);
        expect(proxy.faults.internal).toBe(1);
        const part3 = partPuts().filter((r) => /[?&]partNumber=3(&|$)/.test(r.url));
        expect(part3).toHaveLength(2);
        expect(md5(await stored(`${location}/${result.successful[0].key}`))).toBe(md5(content));
      } finally {
        proxy.decide = undefined;
      }
    }, 60_000);

    itFaithful(
      'a cancelled upload leaves no incomplete multipart upload',
      's3rver has no ListMultipartUploads nor AbortMultipartUpload',
      async () => {
        proxy.clear();
        let arrived!: () => void;
        const partArrived = new Promise<void>((resolve) => (arrived = resolve));
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        // Part 2 is held at the proxy until the upload is cancelled, then its connection is reset.
        proxy.decide = async (request: ProxiedRequest) => {
          if (request.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(request.url)) {
            arrived();
            await released;
            return 'reset';
          }
          return undefined;
        };
        try {
          const path = join(files, 'cancelled.bin');
          await writeFile(path, randomBytes(20 * MiB));
          await page.setInputFiles('input', path);
          void page.evaluate(() => (globalThis as unknown as { uploadPicked(): Promise<unknown> }).uploadPicked());
          await partArrived;
          const open = await s3.send(
            new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: `${location}/uppy/cancelled` }),
          );
          expect(open.Uploads).toHaveLength(1);
          const aborted = page.waitForResponse(
            (response) => response.request().method() === 'DELETE' && response.url().includes('/storage-uploads/s3/'),
          );
          await page.evaluate(() => (globalThis as unknown as { uppy: { cancelAll(): void } }).uppy.cancelAll());
          expect((await aborted).status()).toBe(200);
          release();
          const after = await s3.send(
            new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: `${location}/uppy/cancelled` }),
          );
          expect(after.Uploads ?? []).toEqual([]);
        } finally {
          release();
          proxy.decide = undefined;
        }
      },
      30_000,
    );
  },
);

interface Uploaded {
  name: string;
  key: string;
  location: string;
}
