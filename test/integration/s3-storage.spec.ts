/**
 * S3Storage against the real test server: every method of the Storage API, checked on the
 * server itself (GetObject, HeadObject with a plain client) wherever the server can show it.
 */
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  ContentFile,
  FileNotFoundError,
  ImproperlyConfigured,
  NotImplementedError,
  S3Storage,
  StorageError,
  SuspiciousOperation,
} from '../../lib/index.js';
import { commandLog, generatedStream, head, readAll, sha256, stored } from '../support/command-log.js';
import { faithful, rawClient, s3Options, server, uniqueLocation } from '../support/s3.js';

const MiB = 1024 * 1024;
const RANDOM = '[A-Za-z0-9]{7}';

let raw: S3Client;
const storages: S3Storage[] = [];

/** A storage on the test server under a fresh location; closed after the suite. */
function s3Storage(extra: ConstructorParameters<typeof S3Storage>[0] = {}): S3Storage {
  const storage = new S3Storage(s3Options({ location: uniqueLocation('storage'), ...extra }));
  storages.push(storage);
  return storage;
}

beforeAll(() => (raw = rawClient()));
afterAll(async () => {
  await Promise.all(storages.map((storage) => storage.close()));
  raw.destroy();
});

describe('save()', () => {
  let storage: S3Storage;
  beforeAll(() => (storage = s3Storage()));
  const key = (name: string) => `${storage.location}/${name}`;

  test('a Buffer, under the location, as text/plain guessed from the name', async () => {
    expect(await storage.save('buffer.txt', Buffer.from('from a buffer'))).toBe('buffer.txt');
    const object = await stored(raw, key('buffer.txt'));
    expect(object.body.toString()).toBe('from a buffer');
    expect(object.ContentType).toBe('text/plain');
    expect(object.ContentEncoding).toBeUndefined();
  });

  test('a string, as UTF-8', async () => {
    expect(await storage.save('dir/string.txt', 'héllo ✓')).toBe('dir/string.txt');
    expect((await stored(raw, key('dir/string.txt'))).body).toEqual(Buffer.from('héllo ✓', 'utf8'));
  });

  test('a Uint8Array: exactly its view of the buffer', async () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await storage.save('view.bin', backing.subarray(2, 5))).toBe('view.bin');
    expect((await stored(raw, key('view.bin'))).body).toEqual(Buffer.from([3, 4, 5]));
  });

  test('a ContentFile, with its own content type and its own name', async () => {
    expect(await storage.save('cf.bin', new ContentFile('content', undefined, 'text/x-custom'))).toBe('cf.bin');
    const object = await stored(raw, key('cf.bin'));
    expect(object.body.toString()).toBe('content');
    expect(object.ContentType).toBe('text/x-custom');

    expect(await storage.save(null, new ContentFile('named', 'sub/named.txt'))).toBe('sub/named.txt');
    expect((await stored(raw, key('sub/named.txt'))).body.toString()).toBe('named');
  });

  test('a small Readable, in one request', async () => {
    const log = commandLog();
    const logged = s3Storage({ client: log.client });
    const name = await logged.save('small.bin', Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
    expect(name).toBe('small.bin');
    expect((await stored(raw, `${logged.location}/small.bin`)).body.toString()).toBe('abcd');
    expect(log.names()).toEqual(['PutObject']);
    log.client.destroy();
  });

  test('a Readable of strings (object mode), as UTF-8', async () => {
    expect(await storage.save('strings.txt', Readable.from(['hé', 'llo']))).toBe('strings.txt');
    expect((await stored(raw, key('strings.txt'))).body).toEqual(Buffer.from('héllo'));
  });

  test('a Readable of unknown length larger than a part: a multipart upload, bytes intact', async () => {
    const log = commandLog();
    const logged = s3Storage({ client: log.client, transferConfig: { partSize: 5 * MiB } });
    const source = generatedStream(17 * MiB + 123);
    expect(await logged.save('big.bin', Readable.from(source.generate()))).toBe('big.bin');

    expect(log.count('CreateMultipartUpload')).toBe(1);
    expect(log.count('UploadPart')).toBe(4);
    expect(log.count('CompleteMultipartUpload')).toBe(1);
    expect(log.count('PutObject')).toBe(0);
    const partSizes = log.sent
      .filter((command) => command.name === 'UploadPart')
      .map((command) => command.input.ContentLength ?? (command.input.Body as Buffer).length)
      .sort((a, b) => Number(b) - Number(a));
    expect(partSizes).toEqual([5 * MiB, 5 * MiB, 5 * MiB, 2 * MiB + 123]);

    const object = await stored(raw, `${logged.location}/big.bin`);
    expect(object.ContentLength).toBe(17 * MiB + 123);
    expect(sha256(object.body)).toBe(source.digest());
    log.client.destroy();
  });

  test('a Buffer over the multipart threshold goes up in parts too', async () => {
    const log = commandLog();
    const logged = s3Storage({
      client: log.client,
      transferConfig: { partSize: 5 * MiB, multipartThreshold: 5 * MiB },
    });
    const data = Buffer.alloc(11 * MiB, 7);
    await logged.save('big-buffer.bin', data);
    expect(log.count('UploadPart')).toBe(3);
    expect(sha256((await stored(raw, `${logged.location}/big-buffer.bin`)).body)).toBe(sha256(data));
    log.client.destroy();
  });

  test('a failing Readable rejects with its error and stores nothing', async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(64 * 1024, 1);
        throw new Error('source broke');
      })(),
    );
    await expect(storage.save('broken.bin', failing)).rejects.toThrow('source broke');
    expect(await storage.exists('broken.bin')).toBe(false);
  });

  test('the returned name is relative to the location; a trailing slash on the location is harmless', async () => {
    const location = uniqueLocation('slash');
    const slashed = s3Storage({ location: `${location}/` });
    expect(await slashed.save('x/y.txt', 'y')).toBe('x/y.txt');
    expect((await stored(raw, `${location}/x/y.txt`)).body.toString()).toBe('y');
  });

  test('the name is cleaned before it becomes a key', async () => {
    expect(await storage.save('c\\d//./e.txt', 'e')).toBe('c/d/e.txt');
    expect((await stored(raw, key('c/d/e.txt'))).body.toString()).toBe('e');
  });

  test('maxLength shortens the name before the extension', async () => {
    expect(await storage.save('long_file_name.txt', 'x', { maxLength: 12 })).toBe('long_fil.txt');
    expect(await storage.exists('long_fil.txt')).toBe(true);
  });

  test('with fileOverwrite the same name is replaced, without a HEAD first', async () => {
    const log = commandLog();
    const logged = s3Storage({ client: log.client });
    expect(await logged.save('same.txt', 'one')).toBe('same.txt');
    expect(await logged.save('same.txt', 'two')).toBe('same.txt');
    expect(log.names()).toEqual(['PutObject', 'PutObject']);
    expect((await stored(raw, `${logged.location}/same.txt`)).body.toString()).toBe('two');
    log.client.destroy();
  });

  test('without fileOverwrite a taken name gets _XXXXXXX before all its suffixes', async () => {
    const keeping = s3Storage({ fileOverwrite: false });
    expect(await keeping.save('d/archive.tar.gz', 'one')).toBe('d/archive.tar.gz');
    const second = await keeping.save('d/archive.tar.gz', 'two');
    expect(second).toMatch(new RegExp(`^d/archive_${RANDOM}\\.tar\\.gz$`));
    expect((await stored(raw, `${keeping.location}/d/archive.tar.gz`)).body.toString()).toBe('one');
    expect((await stored(raw, `${keeping.location}/${second}`)).body.toString()).toBe('two');
    // the guess keeps working on the new name: .tar.gz is a gzip-encoded tar
    const object = await head(raw, `${keeping.location}/${second}`);
    expect(object.ContentType).toBe('application/x-tar');
    expect(object.ContentEncoding).toBe('gzip');
  });

  test('without fileOverwrite a Readable goes to a free name too', async () => {
    const keeping = s3Storage({ fileOverwrite: false });
    await keeping.save('s.bin', 'first');
    const second = await keeping.save('s.bin', Readable.from([Buffer.from('second')]));
    expect(second).toMatch(new RegExp(`^s_${RANDOM}\\.bin$`));
    expect((await stored(raw, `${keeping.location}/${second}`)).body.toString()).toBe('second');
  });

  test('path traversal is refused before anything is sent', async () => {
    const log = commandLog();
    const logged = s3Storage({ client: log.client });
    await expect(logged.save('../x.txt', 'x')).rejects.toThrow("Detected path traversal attempt in '../x.txt'");
    await expect(logged.save('/x.txt', 'x')).rejects.toThrow("Detected path traversal attempt in '/x.txt'");
    await expect(logged.save('dir/', 'x')).rejects.toThrow("Could not derive file name from 'dir/'");
    expect(log.sent).toEqual([]);
    log.client.destroy();
  });
});

describe('content type and encoding', () => {
  let storage: S3Storage;
  beforeAll(() => (storage = s3Storage()));
  const headOf = (name: string) => head(raw, `${storage.location}/${name}`);

  test.each([
    ['a.txt', 'text/plain', undefined],
    ['a.css', 'text/css', undefined],
    ['a.svg', 'image/svg+xml', undefined],
    ['a.json', 'application/json', undefined],
    ['a.JPG', 'image/jpeg', undefined],
    ['noext', 'application/octet-stream', undefined],
    ['a.gz', 'application/octet-stream', 'gzip'],
    ['a.tar.gz', 'application/x-tar', 'gzip'],
    ['a.csv.gz', 'text/csv', 'gzip'],
    ['a.bz2', 'application/octet-stream', 'bzip2'],
    ['a.xz', 'application/octet-stream', 'xz'],
    ['a.br', 'application/octet-stream', 'br'],
    ['a.Z', 'application/octet-stream', 'compress'],
  ])('%s is stored as %s, encoding %s', async (name, type, encoding) => {
    await storage.save(name, 'x');
    const object = await headOf(name);
    expect(object.ContentType).toBe(type);
    expect(object.ContentEncoding).toBe(encoding);
  });

  test('SaveOptions.contentType wins over the content and the guess', async () => {
    await storage.save('opt.txt', new ContentFile('x', undefined, 'text/x-from-file'), { contentType: 'text/x-opt' });
    expect((await headOf('opt.txt')).ContentType).toBe('text/x-opt');
  });

  test('a stated content type is stored as given, without an encoding guessed from the name', async () => {
    await storage.save('data.csv.gz', gzipSync('a,b'), { contentType: 'application/gzip' });
    const object = await headOf('data.csv.gz');
    expect(object.ContentType).toBe('application/gzip');
    expect(object.ContentEncoding).toBeUndefined();
  });

  test('a ContentType in objectParameters stops the guess, encoding included', async () => {
    const typed = s3Storage({ objectParameters: { ContentType: 'application/x-fixed', CacheControl: 'max-age=60' } });
    await typed.save('x.csv.gz', 'x');
    const object = await head(raw, `${typed.location}/x.csv.gz`);
    expect(object.ContentType).toBe('application/x-fixed');
    expect(object.ContentEncoding).toBeUndefined();
    expect(object.CacheControl).toBe('max-age=60');
  });

  test('getObjectParameters(name) is asked with the full key and can vary by name', async () => {
    const asked: string[] = [];
    class PerName extends S3Storage {
      override getObjectParameters(name: string): Record<string, unknown> {
        asked.push(name);
        return name.endsWith('.css') ? { ContentType: 'text/x-special', CacheControl: 'no-cache' } : {};
      }
    }
    const perName = new PerName(s3Options({ location: uniqueLocation('per-name') }));
    storages.push(perName);
    await perName.save('d/a.css', 'x');
    await perName.save('d/a.txt', 'x');
    expect(asked).toEqual([`${perName.location}/d/a.css`, `${perName.location}/d/a.txt`]);
    const css = await head(raw, `${perName.location}/d/a.css`);
    expect(css.ContentType).toBe('text/x-special');
    expect(css.CacheControl).toBe('no-cache');
    expect((await head(raw, `${perName.location}/d/a.txt`)).ContentType).toBe('text/plain');
  });

  test('ContentEncoding in objectParameters is kept with a guessed type (only the guess sets it)', async () => {
    const encoded = s3Storage({ objectParameters: { ContentEncoding: 'identity' } });
    await encoded.save('plain.txt', 'x');
    const object = await head(raw, `${encoded.location}/plain.txt`);
    expect(object.ContentType).toBe('text/plain');
    expect(object.ContentEncoding).toBe('identity');
  });
});

describe('gzip', () => {
  let storage: S3Storage;
  beforeAll(() => (storage = s3Storage({ gzip: true })));
  const css = 'body { color: red; }\n'.repeat(500);

  test('a listed type is stored gzipped with ContentEncoding gzip, and read back as it was', async () => {
    await storage.save('style.css', css);
    const object = await stored(raw, `${storage.location}/style.css`);
    expect(object.ContentEncoding).toBe('gzip');
    expect(object.ContentType).toBe('text/css');
    // gzip at level 9 with mtime 0: the header django-storages writes, byte for byte
    expect(object.body.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000203');
    expect(object.body.length).toBeLessThan(css.length / 10);
    expect(gunzipSync(object.body).toString()).toBe(css);

    expect((await readAll(await storage.createReadStream('style.css'))).toString()).toBe(css);
    const file = await storage.open('style.css', 'r');
    expect(await file.read()).toBe(css);
    await file.close();
    const binary = await storage.open('style.css', 'rb');
    expect((await binary.read()).toString()).toBe(css);
    await binary.close();
  });

  test('a range of a gzipped file is a range of its content', async () => {
    await storage.save('range.css', css);
    const expected = css.slice(5, 30);
    expect((await readAll(await storage.createReadStream('range.css', { start: 5, end: 29 }))).toString()).toBe(
      expected,
    );
    expect((await readAll(await storage.createReadStream('range.css', { start: css.length - 3 }))).toString()).toBe(
      css.slice(-3),
    );
  });

  test('with gzip on, a range of a file that is not gzipped is a plain range', async () => {
    await storage.save('digits.txt', '0123456789');
    expect((await readAll(await storage.createReadStream('digits.txt', { start: 2, end: 4 }))).toString()).toBe('234');
    expect((await readAll(await storage.createReadStream('digits.txt', { start: 20 }))).toString()).toBe('');
  });

  test('a streamed save is gzipped as it streams', async () => {
    await storage.save('stream.js', Readable.from([Buffer.from('let a = 1;\n'), Buffer.from('let b = 2;\n')]));
    const object = await stored(raw, `${storage.location}/stream.js`);
    expect(object.ContentEncoding).toBe('gzip');
    expect(object.body.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000203');
    expect(gunzipSync(object.body).toString()).toBe('let a = 1;\nlet b = 2;\n');
    expect((await readAll(await storage.createReadStream('stream.js'))).toString()).toBe('let a = 1;\nlet b = 2;\n');
  });

  test('a type that is not listed is stored as it is', async () => {
    await storage.save('plain.txt', 'plain text');
    const object = await stored(raw, `${storage.location}/plain.txt`);
    expect(object.ContentEncoding).toBeUndefined();
    expect(object.body.toString()).toBe('plain text');
  });

  test('content that already has a ContentEncoding is not gzipped again', async () => {
    const encoded = s3Storage({ gzip: true, objectParameters: { ContentEncoding: 'br' } });
    await encoded.save('style.css', 'not really br');
    const object = await stored(raw, `${encoded.location}/style.css`);
    expect(object.ContentEncoding).toBe('br');
    expect(object.body.toString()).toBe('not really br');
  });

  test('an already gzipped .css.gz keeps its encoding and is read back decompressed', async () => {
    await storage.save('pre.css.gz', gzipSync(css));
    const object = await stored(raw, `${storage.location}/pre.css.gz`);
    expect(object.ContentEncoding).toBe('gzip');
    expect(gunzipSync(object.body).toString()).toBe(css); // gzipped once, not twice
    expect((await readAll(await storage.createReadStream('pre.css.gz'))).toString()).toBe(css);
  });

  test.each([
    ['not gzip at all', Buffer.from('plain text, not gzip'), /not gzip data: incorrect header check$/],
    ['cut short', gzipSync(css).subarray(0, 40), /not gzip data: unexpected end of file$/],
  ])('an object that claims gzip but is %s fails its read with a StorageError naming it', async (_, body, cause) => {
    const key = `${storage.location}/claims-gzip.css`;
    await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: body, ContentEncoding: 'gzip' }));
    const expected = new RegExp(
      `^S3 read of '${key}' failed: it is stored with Content-Encoding gzip but is ${cause.source}`,
    );

    const read = readAll(await storage.createReadStream('claims-gzip.css'));
    await expect(read).rejects.toThrow(StorageError);
    await expect(read).rejects.toThrow(expected);
    const file = await storage.open('claims-gzip.css', 'rb');
    await expect(file.read()).rejects.toThrow(expected);
    await file.close();
  });

  test('gzipContentTypes decides what is compressed', async () => {
    const custom = s3Storage({ gzip: true, gzipContentTypes: ['text/plain'] });
    await custom.save('a.txt', 'text');
    await custom.save('a.css', 'css');
    expect((await head(raw, `${custom.location}/a.txt`)).ContentEncoding).toBe('gzip');
    expect((await head(raw, `${custom.location}/a.css`)).ContentEncoding).toBeUndefined();
  });

  test('without gzip on, a gzip-encoded object is read as stored', async () => {
    const plain = s3Storage({ location: storage.location });
    const stream = await plain.createReadStream('style.css');
    expect(gunzipSync(await readAll(stream)).toString()).toBe(css);
  });
});

describe('exists()', () => {
  let storage: S3Storage;
  beforeAll(async () => {
    storage = s3Storage();
    await storage.save('dir/here.txt', 'x');
  });

  test('true for a file, false for a missing one (404)', async () => {
    expect(await storage.exists('dir/here.txt')).toBe(true);
    expect(await storage.exists('dir/missing.txt')).toBe(false);
  });

  test('directories do not exist', async () => {
    expect(await storage.exists('dir')).toBe(false);
    expect(await storage.exists('dir/')).toBe(false);
  });

  test('a 403 is thrown, not taken for "missing"', async () => {
    const stranger = s3Storage({ location: storage.location, accessKey: 'UNKNOWNKEY', secretKey: 'whatever' });
    const error = await stranger.exists('dir/here.txt').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).statusCode).toBe(403);
    expect((error as Error).message).toContain(`${storage.location}/dir/here.txt`);
    expect((error as Error).message).not.toContain('whatever');
    expect((error as Error).cause).toBeDefined();
  });
});

describe('delete()', () => {
  test('removes the file; a missing file is fine', async () => {
    const storage = s3Storage();
    await storage.save('gone.txt', 'x');
    await storage.delete('gone.txt');
    expect(await storage.exists('gone.txt')).toBe(false);
    await expect(storage.delete('gone.txt')).resolves.toBeUndefined();
    await expect(storage.delete('never/was.txt')).resolves.toBeUndefined();
  });
});

describe('listdir()', () => {
  test('directories and files relative to the path (the reference example)', async () => {
    const storage = s3Storage();
    for (const name of ['l/one.txt', 'l/two.txt', 'l/sub/three.txt', 'l/sub2/four.txt', 'root.txt']) {
      await storage.save(name, 'x');
    }
    // a "directory" placeholder object is not a file of its directory
    await raw.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: `${storage.location}/l/`, Body: Buffer.alloc(0) }),
    );
    await raw.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: `${storage.location}/l/sub2/`, Body: Buffer.alloc(0) }),
    );

    const l: [string[], string[]] = [
      ['sub', 'sub2'],
      ['one.txt', 'two.txt'],
    ];
    expect(await storage.listdir('l')).toEqual(l);
    expect(await storage.listdir('l/')).toEqual(l);
    expect(await storage.listdir('l/sub2')).toEqual([[], ['four.txt']]);
    expect(await storage.listdir('nope')).toEqual([[], []]);
    expect(await storage.listdir('')).toEqual([['l'], ['root.txt']]);
  });

  test('a location of its own: nothing outside it is listed', async () => {
    const location = uniqueLocation('listroot');
    const outer = s3Storage({ location });
    const inner = s3Storage({ location: `${location}/in` });
    await outer.save('outside.txt', 'x');
    await inner.save('inside.txt', 'x');
    expect(await inner.listdir('')).toEqual([[], ['inside.txt']]);
    expect(await outer.listdir('')).toEqual([['in'], ['outside.txt']]);
  });

  test('more than 1000 keys: every page is read', async () => {
    const log = commandLog();
    const storage = s3Storage({ client: log.client });
    const files = Array.from({ length: 1010 }, (_, i) => `f${String(i).padStart(4, '0')}.txt`);
    const dirs = Array.from({ length: 5 }, (_, i) => `d${i}`);
    const keys = [...files.map((f) => `big/${f}`), ...dirs.map((d) => `big/${d}/x.txt`)];
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys
          .slice(i, i + 50)
          .map((name) =>
            raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${storage.location}/${name}`, Body: 'x' })),
          ),
      );
    }
    const [directories, listed] = await storage.listdir('big');
    expect([...directories].sort()).toEqual(dirs);
    expect([...listed].sort()).toEqual(files);
    expect(log.sent.filter((command) => command.name.startsWith('ListObjects')).length).toBeGreaterThanOrEqual(2);
    log.client.destroy();
  });
});

describe('size() and times', () => {
  let storage: S3Storage;
  beforeAll(async () => {
    storage = s3Storage();
    await storage.save('sized.bin', Buffer.alloc(1234));
  });

  test('size() is the stored length', async () => {
    expect(await storage.size('sized.bin')).toBe(1234);
  });

  test('getModifiedTime() is the server LastModified', async () => {
    const modified = await storage.getModifiedTime('sized.bin');
    expect(modified).toBeInstanceOf(Date);
    expect(modified).toEqual((await head(raw, `${storage.location}/sized.bin`)).LastModified);
  });

  test('a missing file: FileNotFoundError naming the key with its location', async () => {
    const message = `File does not exist: ${storage.location}/missing.txt`;
    for (const call of [() => storage.size('missing.txt'), () => storage.getModifiedTime('missing.txt')]) {
      const error = await call().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(FileNotFoundError);
      expect(error).toMatchObject({ name: 'FileNotFoundError', code: 'ENOENT', message });
    }
  });

  test('created and accessed times and path() are not implemented', async () => {
    await expect(storage.getCreatedTime('sized.bin')).rejects.toThrow(
      new NotImplementedError('subclasses of Storage must provide a get_created_time() method'),
    );
    await expect(storage.getAccessedTime('sized.bin')).rejects.toThrow(
      new NotImplementedError('subclasses of Storage must provide a get_accessed_time() method'),
    );
    expect(() => storage.path('sized.bin')).toThrow(
      new NotImplementedError("This backend doesn't support absolute paths."),
    );
    const error = await storage.getCreatedTime('x').catch((err: unknown) => err);
    expect((error as Error).name).toBe('NotImplementedError');
  });
});

describe('createReadStream()', () => {
  let storage: S3Storage;
  beforeAll(async () => {
    storage = s3Storage();
    await storage.save('digits.txt', '0123456789');
  });
  const read = async (range?: { start?: number; end?: number }) =>
    (await readAll(await storage.createReadStream('digits.txt', range))).toString();

  test('the whole file', async () => {
    expect(await read()).toBe('0123456789');
    expect(await read({})).toBe('0123456789');
  });

  test.each<[{ start?: number; end?: number }, string]>([
    [{ start: 7 }, '789'],
    [{ end: 2 }, '012'],
    [{ start: 2, end: 4 }, '234'],
    [{ start: 3, end: 3 }, '3'],
    // s3rver reads `bytes=0-0` as the whole file; a faithful server gives the one byte
    ...(faithful ? [[{ start: 0, end: 0 }, '0'] as [{ start: number; end: number }, string]] : []),
    [{ start: 5, end: 100 }, '56789'],
    [{ start: 10 }, ''],
    [{ start: 50, end: 60 }, ''],
  ])('range %j → %j (end inclusive)', async (range, expected) => {
    expect(await read(range)).toBe(expected);
  });

  test('a ranged read is one ranged GET', async () => {
    const log = commandLog();
    const logged = s3Storage({ client: log.client, location: storage.location });
    expect((await readAll(await logged.createReadStream('digits.txt', { start: 2, end: 4 }))).toString()).toBe('234');
    expect(log.sent).toEqual([{ name: 'GetObject', input: expect.objectContaining({ Range: 'bytes=2-4' }) }]);
    log.client.destroy();
  });

  test('a range of an empty file is empty', async () => {
    await storage.save('empty.txt', '');
    expect((await readAll(await storage.createReadStream('empty.txt'))).length).toBe(0);
    // s3rver answers `bytes=0-` of an empty object with a 1-byte Content-Length and no body
    if (faithful) expect((await readAll(await storage.createReadStream('empty.txt', { start: 0 }))).length).toBe(0);
  });

  test('a bad range is refused', async () => {
    await expect(storage.createReadStream('digits.txt', { start: 5, end: 2 })).rejects.toThrow(RangeError);
    await expect(storage.createReadStream('digits.txt', { start: -1 })).rejects.toThrow(RangeError);
  });

  test('a missing file: FileNotFoundError', async () => {
    const error = await storage.createReadStream('missing.txt').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(FileNotFoundError);
    expect((error as Error).message).toBe(`File does not exist: ${storage.location}/missing.txt`);
  });

  test('a large file streams with the bytes intact', async () => {
    const source = generatedStream(12 * MiB);
    await storage.save('large.bin', Readable.from(source.generate()));
    const stream = await storage.createReadStream('large.bin');
    const hash = (await import('node:crypto')).createHash('sha256');
    for await (const chunk of stream) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(source.digest());
  });
});

describe('settings checked at construction', () => {
  test('a location with a leading slash is ImproperlyConfigured, in the reference wording', () => {
    expect(() => new S3Storage({ bucketName: 'media', location: '/media' })).toThrow(
      new ImproperlyConfigured(
        "S3Storage.location cannot begin with a leading slash. Found '/media'. Use 'media' instead.",
      ),
    );
    class MediaStorage extends S3Storage {}
    expect(() => new MediaStorage({ bucketName: 'media', location: '//x/' })).toThrow(
      "MediaStorage.location cannot begin with a leading slash. Found '//x/'. Use 'x/' instead.",
    );
  });

  test('operations that would leave the location are SuspiciousOperation', async () => {
    const storage = s3Storage();
    const error = await storage.exists('../other/x.txt').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SuspiciousOperation);
    expect((error as Error).message).toBe("Attempted access to '../other/x.txt' denied.");
  });
});
