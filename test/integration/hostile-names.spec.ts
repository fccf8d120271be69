/**
 * Hostile names through every public method of S3Storage, with a `location`: each is refused
 * as `SuspiciousOperation` (`SuspiciousFileOperation`) or handled strictly inside the location.
 * The proof is the server's: the suite has a bucket of its own, and afterwards every key in it,
 * and every key any request addressed, starts with `location/`. The server survives it all.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { S3Storage } from '../../lib/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { hostileNames, methodCalls, probe, tally, unexpected, type Outcome } from '../support/hostile-names.js';
import { faithful, rawClient, s3Options, server } from '../support/s3.js';

const bucket = `nestjs-storages-hostile-${randomBytes(4).toString('hex')}`;
const location = 'media/uploads';
// s3rver stores each key segment as a file name, and crashes on one over 255 bytes.
const names = hostileNames(location, { longSegment: faithful });

let raw: S3Client;
let proxy: FaultProxy;
let storage: S3Storage;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
const results: Record<string, Record<string, Outcome>> = {};

async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: raw }, { Bucket: bucket })) {
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
  }
  return keys;
}

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  raw = rawClient();
  await raw.send(new CreateBucketCommand({ Bucket: bucket }));
  proxy = await startFaultProxy(server.endpoint);
  storage = new S3Storage(s3Options({ endpointUrl: proxy.endpoint, bucketName: bucket, location }));
  for (const [label, name] of names) {
    results[label] = await probe({
      ...methodCalls(storage, name),
      uploadUrl: () => storage.uploadUrl(name),
    });
  }
}, 120_000);

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await storage.close();
  await proxy.close();
  for (const key of await allKeys()) await raw.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  await raw.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  raw.destroy();
});

describe(`${names.length} hostile names through every public method of S3Storage`, () => {
  test('each call is refused as SuspiciousOperation, or done (or the file missing) inside the location', () => {
    process.stderr.write(`hostile names on S3Storage: ${JSON.stringify(tally(results))}\n`);
    expect(names.length).toBeGreaterThanOrEqual(60);
    expect(unexpected(results)).toEqual([]);
    expect(rejections).toEqual([]);
  });

  test('every key in the bucket starts with the location', async () => {
    const keys = await allKeys();
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter((key) => !key.startsWith(`${location}/`))).toEqual([]);
  });

  test('every request addressed a key (or listed a prefix) inside the location', () => {
    const outside = proxy.requests.filter((request) => {
      if (request.copySource !== undefined && !request.copySource.startsWith(`${bucket}/${location}/`)) return true;
      // DeleteObjects names its keys in its body.
      const deleted = [...(request.body ?? '').matchAll(/<Key>([^<]*)<\/Key>/g)].map(([, key]) => unescapeXml(key));
      if (deleted.some((key) => !key.startsWith(`${location}/`))) return true;
      if (deleted.length) return false;
      const path = request.url.split('?')[0];
      if (!path.startsWith(`/${bucket}/`) && path !== `/${bucket}`) return true;
      if (request.key) return !request.key.startsWith(`${location}/`);
      const prefix = new URLSearchParams(request.url.split('?')[1]).get('prefix');
      return prefix === null || !prefix.startsWith(`${location}/`);
    });
    expect(proxy.requests.length).toBeGreaterThan(names.length);
    expect(proxy.requests.filter((request) => request.copySource).length).toBeGreaterThan(20);
    expect(proxy.requests.filter((request) => request.body?.includes('<Delete')).length).toBeGreaterThan(20);
    expect(outside).toEqual([]);
  });

  test('climbing out is refused by every method that takes a name', () => {
    const climbing = [
      'dot dot',
      'dot dot slash',
      'two levels up',
      'down then further up',
      'up to /etc/passwd',
      'dot slash dot dot',
      'dot segments mixed',
      'up from deep',
      'backslash dot dot',
      'backslashes down and up',
      'backslashes two up',
      'absolute /etc/passwd',
      'double slash',
      'triple slash',
      'slash dot dot',
    ];
    for (const label of climbing) {
      // getValidName makes any name a file name: nothing to refuse. generateFilename keeps the
      // directory part as Django does (refusing '..' in it). With fileOverwrite, getAvailableName
      // returns an absolute name unchanged, as django-storages does: save() refuses it.
      const { getValidName, generateFilename, getAvailableName, ...methods } = results[label];
      void [getValidName, generateFilename];
      if (!/absolute|slash$/.test(label)) methods.getAvailableName = getAvailableName;
      expect({ label, methods }).toEqual({
        label,
        methods: Object.fromEntries(Object.keys(methods).map((method) => [method, 'refused'])),
      });
    }
  });

  test('control characters and invalid Unicode are refused by every method that uses the name as a key', () => {
    for (const label of [
      'NUL alone',
      'NUL inside',
      'NUL before an extension',
      'newline',
      'carriage return',
      'tab',
      'escape sequence',
      'DEL',
      'lone high surrogate',
      'lone low surrogate inside',
    ]) {
      // prettier-ignore
      for (const method of ['save', 'open rb', 'open wb', 'exists', 'size', 'url', 'delete', 'listdir', 'uploadUrl',
        'stat', 'scan', 'copy from', 'copy to', 'deleteMany']) {
        expect([label, method, results[label][method]]).toEqual([label, method, 'refused']);
      }
    }
  });

  test('a key over 1,024 bytes is refused before any request; one of exactly 1,024 bytes is stored', async () => {
    const over = ['name of 1,025 bytes', 'key of 1,025 bytes', 'key over 1,024 bytes in 2-byte letters'];
    for (const label of [...over, 'deeper than the key limit']) {
      // prettier-ignore
      for (const method of ['save', 'open wb', 'exists', 'size', 'url', 'createReadStream', 'uploadUrl',
        'stat', 'copy from', 'copy to', 'deleteMany']) {
        expect([label, method, results[label][method]]).toEqual([label, method, 'refused']);
      }
    }
    const [, name] = names.find(([label]) => label === 'key of 1,025 bytes')!;
    await expect(storage.save(name, 'x')).rejects.toThrow(
      /^S3 object keys are at most 1024 bytes of UTF-8; the key of '.+' is 1025 bytes$/,
    );
    const [, exact] = names.find(([label]) => label === 'key of exactly 1,024 bytes')!;
    expect(Buffer.byteLength(`${location}/${exact}`)).toBe(1024);
    expect(results['key of exactly 1,024 bytes'].save).toBe('ok');
    expect((await allKeys()).includes(`${location}/${exact}`)).toBe(true);
    expect(await storage.size(exact)).toBe(7);
  });

  test('names that differ only in case or Unicode normalization are distinct files', async () => {
    const pairs = [
      ['caf\u00e9.txt', 'cafe\u0301.txt'],
      ['CASE.txt', 'case.txt'],
    ];
    for (const pair of pairs) {
      for (const name of pair) await storage.save(`distinct/${name}`, `content of ${name}`);
      for (const name of pair) {
        await using file = await storage.open(`distinct/${name}`, 'r');
        expect(await file.read()).toBe(`content of ${name}`);
      }
    }
    expect((await storage.listdir('distinct'))[1].sort()).toEqual(pairs.flat().sort());
  });

  test('the server is still up', async () => {
    await expect(raw.send(new HeadBucketCommand({ Bucket: server.bucket }))).resolves.toBeDefined();
  });
});

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#x?[0-9a-fA-F]+);/g, (entity: string, code: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (code in named) return named[code];
    return String.fromCodePoint(code[1] === 'x' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10));
  });
}
