/**
 * The sample page in a real browser (Debian's Chromium, driven by playwright-core): upload a file
 * through the server and one straight from the browser, see them listed, follow a link and get
 * the same bytes, delete, and keep a screenshot. Without Chromium the test says it skipped;
 * CI installs Chromium and sets BROWSER_TEST_REQUIRED=1, so there it must run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, PutBucketCorsCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import type { INestApplication } from '@nestjs/common';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createSampleApp } from '../../sample/app.js';
import { rawClient, server } from '../support/s3.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = join(import.meta.dirname, '..', '..');
const available = existsSync(CHROMIUM);

if (!available && process.env.BROWSER_TEST_REQUIRED) {
  throw new Error(`BROWSER_TEST_REQUIRED is set but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}
if (!available) {
  process.stderr.write(
    `browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)\n`,
  );
}

(available ? describe : describe.skip)(
  `the sample page in Chromium${available ? '' : ' (skipped: no Chromium)'}`,
  () => {
    let app: INestApplication;
    let browser: Browser;
    let page: Page;
    const s3 = rawClient();

    beforeAll(async () => {
      Object.assign(process.env, {
        AWS_S3_ENDPOINT_URL: server.endpoint,
        AWS_S3_ACCESS_KEY_ID: server.accessKey,
        AWS_S3_SECRET_ACCESS_KEY: server.secretKey,
        AWS_S3_REGION_NAME: server.region,
        AWS_STORAGE_BUCKET_NAME: server.bucket,
      });
      // The browser posts straight to the bucket from the app's origin.
      await s3.send(
        new PutBucketCorsCommand({
          Bucket: server.bucket,
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: ['*'],
                AllowedMethods: ['GET', 'PUT', 'POST', 'HEAD'],
                AllowedHeaders: ['*'],
                // Uppy reads each multipart part's ETag.
                ExposeHeaders: ['ETag'],
              },
            ],
          },
        }),
      );
      // The page's CSS and JS have plain URLs (S3StaticStorage): the static files must be public,
      // as a real deployment makes them with a bucket policy. (s3rver serves anyone anyway.)
      if (server.kind !== 's3rver') {
        await s3.send(
          new PutBucketPolicyCommand({
            Bucket: server.bucket,
            Policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: '*',
                  Action: 's3:GetObject',
                  Resource: `arn:aws:s3:::${server.bucket}/static/*`,
                },
              ],
            }),
          }),
        );
      }
      app = await createSampleApp(root);
      await app.listen(0, '127.0.0.1');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      page = await browser.newPage();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      s3.destroy();
    });

    const row = (name: string) => page.locator(`tr[data-name="${name}"]`);

    it('uploads through the server, lists the file, and its link gives the same bytes', async () => {
      const content = `uploaded through the server ${Date.now()}\n`;
      await page.goto(await app.getUrl());
      await page.setInputFiles('#server-upload input[type=file]', {
        name: 'through-server.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from(content),
      });
      await Promise.all([page.waitForURL(/uploaded=/), page.click('#server-upload button')]);
      const name = new URL(page.url()).searchParams.get('uploaded')!;
      expect(name).toMatch(/^uploads\/through-server(_[A-Za-z0-9]{7})?\.txt$/);
      await expect(row(name).count()).resolves.toBe(1);
      expect(await row(name).locator('td.size').getAttribute('data-bytes')).toBe(String(Buffer.byteLength(content)));

      const href = await row(name).locator('a.file-link').getAttribute('href');
      const response = await page.goto(href!);
      expect(response!.status()).toBe(200);
      expect((await response!.body()).toString()).toBe(content);
    });

    it("uploads with Uppy's Dashboard straight to S3 through StorageUploadModule", async () => {
      const content = `dropped on the dashboard ${Date.now()}\n`;
      const filename = `dashboard-${Date.now()}.txt`;
      await page.goto(await app.getUrl());
      await page
        .locator('#uppy input.uppy-Dashboard-input')
        .first()
        .setInputFiles({ name: filename, mimeType: 'text/plain', buffer: Buffer.from(content) });
      await Promise.all([
        page.waitForURL(/uploaded=uppy/),
        page.locator('#uppy .uppy-StatusBar-actionBtn--upload').click(),
      ]);
      const name = `uppy/${filename}`;
      await expect(row(name).count()).resolves.toBe(1);
      const href = await row(name).locator('a.file-link').getAttribute('href');
      expect(await (await page.request.get(href!)).text()).toBe(content);
    });

    it('serves Swagger UI at /docs, showing the upload route with its file field', async () => {
      await page.goto(`${await app.getUrl()}/docs`);
      const upload = page.locator('.opblock-post', { hasText: '/files' }).first();
      await upload.waitFor();
      await upload.locator('.opblock-summary').click();
      await expect(upload.locator('.opblock-body').innerText()).resolves.toContain('multipart/form-data');
      // Trying the route out gives a file picker for its field.
      await upload.getByRole('button', { name: 'Try it out' }).click();
      await expect(upload.locator('input[type=file]').count()).resolves.toBe(1);
      await expect(upload.locator('.opblock-body').innerText()).resolves.toMatch(/file[\s\S]*string\(\$binary\)/);
    });

    it('uploads straight from the browser with an upload URL, and deletes', async () => {
      const content = `uploaded from the browser ${Date.now()}\n`;
      await page.goto(await app.getUrl());
      await page.setInputFiles('#direct-upload input[type=file]', {
        name: 'from-browser.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from(content),
      });
      await Promise.all([page.waitForURL(/uploaded=/), page.click('#direct-upload button')]);
      const name = new URL(page.url()).searchParams.get('uploaded')!;
      expect(name).toMatch(/^direct\/from-browser(_[A-Za-z0-9]{7})?\.txt$/);
      await expect(row(name).count()).resolves.toBe(1);

      const href = await row(name).locator('a.file-link').getAttribute('href');
      const download = await page.request.get(href!);
      expect(await download.text()).toBe(content);

      mkdirSync(join(root, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(root, 'test-results', 'sample-page.png'), fullPage: true });

      await Promise.all([
        page.waitForResponse((response) => response.url().includes('/api/files?name=') && response.ok()),
        row(name).locator('button.delete').click(),
      ]);
      await expect(row(name).count()).resolves.toBe(0);
      await expect(
        s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: `media/${name}` })),
      ).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });
    });
  },
);
