/**
 * Interoperability with a real S3 client: what the package writes (plain, gzip-encoded, with
 * metadata and object parameters, single and multipart) `aws s3 cp` reads back byte for byte,
 * and what `aws s3 cp` / `aws s3 sync` write the package reads, lists and sizes. Runs on every
 * server; skipped only when there is no `aws` to run (`.ci/run` installs Debian's awscli).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { S3Storage } from '../../lib/index.js';
import { aws, awsCommand, awsVersion, headObject } from '../support/awscli.js';
import { describeIf, faithful, rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describeIf(
  !!awsVersion,
  'interoperability with the aws CLI',
  `no '${awsCommand}' to run (apt-get install awscli)`,
  () => {
    const location = uniqueLocation('awscli');
    const storage = new S3Storage(s3Options({ location }));
    const raw = rawClient();
    const s3Url = (name: string) => `s3://${server.bucket}/${location}/${name}`;
    /** `aws s3 cp s3://bucket/<location>/<name> -`: the object's bytes as the CLI hands them out. */
    const awsRead = (name: string) => aws('s3', 'cp', '--only-show-errors', s3Url(name), '-');
    /** Whether the object was stored by a multipart upload: its ETag ends in -<parts> (s3rver's never does). */
    const isMultipart = async (name: string) =>
      !faithful ||
      /-\d+"$/.test(
        (await raw.send(new HeadObjectCommand({ Bucket: server.bucket, Key: `${location}/${name}` }))).ETag!,
      );
    let local: string;

    beforeAll(async () => {
      local = await mkdtemp(join(tmpdir(), 'awscli-'));
    });
    afterAll(async () => {
      await rm(local, { recursive: true, force: true });
      raw.destroy();
      await storage.close();
    });

    describe('what the package writes, aws s3 cp reads byte for byte', () => {
      it('a small binary file', async () => {
        const content = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));
        const name = await storage.save('bytes.bin', content);
        expect((await awsRead(name)).equals(content)).toBe(true);
      });

      it('a stream saved as a multipart upload', async () => {
        const content = randomBytes(12 * MiB);
        const name = await storage.save(
          'multipart.bin',
          Readable.from([content.subarray(0, 7 * MiB), content.subarray(7 * MiB)]),
        );
        expect(await isMultipart(name)).toBe(true);
        expect(sha256(await awsRead(name))).toBe(sha256(content));
      });

      it('a file written through open(name, "wb") in several parts', async () => {
        const content = randomBytes(11 * MiB);
        const file = await storage.open('written.bin', 'wb');
        for (let offset = 0; offset < content.length; offset += 3 * MiB)
          await file.write(content.subarray(offset, offset + 3 * MiB));
        await file.close();
        expect(sha256(await awsRead('written.bin'))).toBe(sha256(content));
      });

      it('gzip-compressed content, stored with Content-Encoding: gzip', async () => {
        const gzipped = new S3Storage(s3Options({ location, gzip: true }));
        const css = 'body { color: #333; }\n'.repeat(200);
        const name = await gzipped.save('site.css', css);

        const stored = await awsRead(name);
        const { Body } = await raw.send(new GetObjectCommand({ Bucket: server.bucket, Key: `${location}/${name}` }));
        expect(stored.equals(Buffer.from(await Body!.transformToByteArray()))).toBe(true);
        expect(stored.length).toBeLessThan(css.length);
        expect(gunzipSync(stored).toString()).toBe(css);
        expect(await headObject(`${location}/${name}`)).toMatchObject({
          ContentEncoding: 'gzip',
          ContentType: 'text/css',
        });
        await using file = await gzipped.open(name, 'r');
        expect(await file.read()).toBe(css);
        await gzipped.close();
      });

      it('metadata and objectParameters', async () => {
        const described = new S3Storage(
          s3Options({
            location,
            objectParameters: {
              Metadata: { origin: 'nestjs-storages', purpose: 'interop' },
              CacheControl: 'max-age=86400',
              ContentDisposition: 'attachment; filename="report.txt"',
              ContentLanguage: 'en',
            },
          }),
        );
        const content = 'quarterly figures\n';
        const name = await described.save('report.txt', content);
        await described.close();

        expect((await awsRead(name)).toString()).toBe(content);
        expect(await headObject(`${location}/${name}`)).toMatchObject({
          ContentLength: content.length,
          ContentType: 'text/plain',
          CacheControl: 'max-age=86400',
          ContentDisposition: 'attachment; filename="report.txt"',
          ContentLanguage: 'en',
          Metadata: { origin: 'nestjs-storages', purpose: 'interop' },
        });
      });

      it('a key with spaces, non-ASCII letters and a plus sign', async () => {
        const name = await storage.save('docs/naïve résumé +1.txt', 'ünïcödé\n');
        expect(name).toBe('docs/naïve résumé +1.txt');
        expect((await awsRead(name)).toString()).toBe('ünïcödé\n');
      });
    });

    describe('what aws writes, the package reads, lists and sizes', () => {
      async function localFile(path: string, content: Buffer | string): Promise<string> {
        const file = join(local, path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, content);
        return file;
      }

      it('aws s3 cp of a small file', async () => {
        const content = 'hello from the aws CLI\n';
        await aws('s3', 'cp', '--only-show-errors', await localFile('hello.txt', content), s3Url('from-aws/hello.txt'));

        expect(await storage.exists('from-aws/hello.txt')).toBe(true);
        expect(await storage.size('from-aws/hello.txt')).toBe(Buffer.byteLength(content));
        expect(await storage.listdir('from-aws')).toEqual([[], ['hello.txt']]);
        await using file = await storage.open('from-aws/hello.txt', 'r');
        expect(await file.read()).toBe(content);
      });

      it('aws s3 cp of a file large enough for its multipart upload', async () => {
        const content = randomBytes(20 * MiB);
        await aws('s3', 'cp', '--only-show-errors', await localFile('big.bin', content), s3Url('from-aws/big.bin'));

        expect(await isMultipart('from-aws/big.bin')).toBe(true);
        expect(await storage.size('from-aws/big.bin')).toBe(content.length);
        expect(sha256(await readAll(await storage.createReadStream('from-aws/big.bin')))).toBe(sha256(content));
        const range = { start: 8 * MiB - 10, end: 8 * MiB + 10 };
        expect(
          (await readAll(await storage.createReadStream('from-aws/big.bin', range))).equals(
            content.subarray(range.start, range.end + 1),
          ),
        ).toBe(true);
      });

      it('aws s3 sync of a directory tree', async () => {
        const tree: Record<string, string> = {
          'index.html': '<!doctype html><title>synced</title>\n',
          'css/site.css': 'body { margin: 0 }\n',
          'img/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
          'docs/naïve résumé.txt': 'résumé\n',
          'docs/a b/c.txt': 'in a directory with a space\n',
        };
        for (const [path, content] of Object.entries(tree)) await localFile(join('tree', path), content);
        await aws('s3', 'sync', '--only-show-errors', join(local, 'tree'), s3Url('synced'));

        const sorted = ([directories, files]: [string[], string[]]) => [directories.sort(), files.sort()];
        expect(sorted(await storage.listdir('synced'))).toEqual([['css', 'docs', 'img'], ['index.html']]);
        expect(sorted(await storage.listdir('synced/docs'))).toEqual([['a b'], ['naïve résumé.txt']]);
        for (const [path, content] of Object.entries(tree)) {
          expect(await storage.size(`synced/${path}`)).toBe(Buffer.byteLength(content));
          await using file = await storage.open(`synced/${path}`, 'r');
          expect(await file.read()).toBe(content);
        }
      });
    });
  },
);
