/**
 * `nestjs-storages/testing`: the contract every storage backend passes, for backends written
 * outside the package. It registers a `describe` block of tests with the test runner's
 * globals (`describe`, `it`, `expect`, `beforeAll`, `afterAll`): Jest, or Vitest with
 * `globals: true`. It imports nothing of the runner itself.
 *
 * @example
 * import { describeStorageContract } from 'nestjs-storages/testing';
 * describeStorageContract('MyStorage', ({ fileOverwrite }) => new MyStorage({ fileOverwrite }));
 */
import { Readable } from 'node:stream';
import { types } from 'node:util';
import { ContentFile } from './core/content-file.js';
import { FileNotFoundError, SuspiciousFileOperation, SuspiciousOperation, ValueError } from './core/errors.js';
import type { Storage } from './core/storage.js';
import type { StorageEntry } from './core/storage-entries.js';

/** What the contract asks of the factory: a fresh, empty storage, overwriting or not. */
export interface StorageContractOptions {
  /** Whether saving under a taken name replaces the file (else the storage finds a free name). */
  fileOverwrite: boolean;
}

/** The test runner's globals the contract uses, as Jest and Vitest provide them. */
interface TestGlobals {
  describe(name: string, body: () => void): void;
  it: { (name: string, test: () => unknown): void; skip(name: string, test: () => unknown): void };
  beforeAll(hook: () => unknown): void;
  afterAll(hook: () => unknown): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the runner's own matchers
  expect(actual: unknown): any;
}

function testGlobals(): TestGlobals {
  const globals = globalThis as unknown as Partial<TestGlobals>;
  for (const name of ['describe', 'it', 'expect', 'beforeAll', 'afterAll'] as const) {
    if (typeof globals[name] !== 'function') {
      throw new Error(
        `describeStorageContract needs the test runner's global '${name}' (Jest, or Vitest with globals: true)`,
      );
    }
  }
  return globals as TestGlobals;
}

/** How the backend under test departs from the contract, where a test server forces it to. */
export interface StorageContractExceptions {
  /**
   * Whether the backend lists in UTF-8 byte order, as S3 does. Default true; false only for a
   * test server known to list otherwise (s3rver lists in its file system's order).
   */
  listsInByteOrder?: boolean;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

function namesOf(entries: StorageEntry[]): string[] {
  return entries.map((entry) => entry.name);
}

/** Sorts by UTF-8 bytes, the reference order for scan(). */
function byteSorted(names: string[]): string[] {
  return [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function text(stream: Readable): Promise<string> {
  return Buffer.concat(await stream.toArray()).toString('utf8');
}

/**
 * Registers the Storage API contract for one backend: save in every content form, names as
 * Django makes them, path traversal refused, create-only saves, listdir, reads by size, line,
 * chunk and range, files opened for writing, aborted writes leaving nothing, and stat, scan,
 * copy, move and deleteMany. `makeStorage` is called twice (overwriting and not), before the
 * tests; each storage is closed after them. `exceptions` names what a test server cannot do.
 */
export function describeStorageContract(
  name: string,
  makeStorage: (options: StorageContractOptions) => Storage | Promise<Storage>,
  exceptions: StorageContractExceptions = {},
): void {
  const { describe, it, expect, beforeAll, afterAll } = testGlobals();
  describe(`Storage contract: ${name}`, () => {
    let storage: Storage;
    let overwriting: Storage;

    beforeAll(async () => {
      storage = await makeStorage({ fileOverwrite: false });
      overwriting = await makeStorage({ fileOverwrite: true });
    });
    afterAll(async () => {
      await storage.close();
      await overwriting.close();
    });

    it('saves a Buffer, a string, a Uint8Array, a ContentFile and a stream, and reads each back', async () => {
      const contents: [string, Parameters<Storage['save']>[1], string][] = [
        ['buffer.bin', Buffer.from('from a buffer'), 'from a buffer'],
        ['string.txt', 'from a string é', 'from a string é'],
        ['array.bin', new Uint8Array([104, 105]), 'hi'],
        ['content.txt', new ContentFile('from a content file'), 'from a content file'],
        ['stream.txt', Readable.from([Buffer.from('from '), Buffer.from('a stream')]), 'from a stream'],
      ];
      for (const [name, content, expected] of contents) {
        expect(await storage.save(name, content)).toBe(name);
        expect(await text(await storage.createReadStream(name))).toBe(expected);
        expect(await storage.size(name)).toBe(Buffer.byteLength(expected));
      }
    });

    it('takes the name of a ContentFile when the name is null', async () => {
      expect(await storage.save(null, new ContentFile('x', 'from_name.bin'))).toBe('from_name.bin');
      expect(await storage.exists('from_name.bin')).toBe(true);
    });

    it('refuses path traversal and names without a file name', async () => {
      await expect(storage.save('../escape.txt', 'x')).rejects.toThrow(
        new SuspiciousFileOperation("Detected path traversal attempt in '../escape.txt'"),
      );
      await expect(storage.save('/abs.txt', 'x')).rejects.toThrow("Detected path traversal attempt in '/abs.txt'");
      await expect(storage.save('dir/', 'x')).rejects.toThrow("Could not derive file name from 'dir/'");
    });

    it('keeps both files when saving twice without overwrite, and replaces with overwrite', async () => {
      const first = await storage.save('dup.tar.gz', 'one');
      const second = await storage.save('dup.tar.gz', 'two');
      expect(first).toBe('dup.tar.gz');
      expect(second).toMatch(/^dup_[A-Za-z0-9]{7}\.tar\.gz$/);
      expect(await text(await storage.createReadStream(first))).toBe('one');
      expect(await text(await storage.createReadStream(second))).toBe('two');

      expect(await overwriting.save('same.txt', 'one')).toBe('same.txt');
      expect(await overwriting.save('same.txt', 'two')).toBe('same.txt');
      expect(await text(await overwriting.createReadStream('same.txt'))).toBe('two');
    });

    it('tells whether a file exists and deletes it; deleting a missing file is fine', async () => {
      await storage.save('exists.txt', 'x');
      expect(await storage.exists('exists.txt')).toBe(true);
      expect(await storage.exists('missing.txt')).toBe(false);
      await storage.delete('exists.txt');
      expect(await storage.exists('exists.txt')).toBe(false);
      await expect(storage.delete('exists.txt')).resolves.toBeUndefined();
    });

    it('lists directories and files relative to the path', async () => {
      for (const name of ['l/one.txt', 'l/two.txt', 'l/sub/three.txt', 'l/sub2/four.txt'])
        await overwriting.save(name, 'x');
      expect(await overwriting.listdir('l')).toEqual([
        ['sub', 'sub2'],
        ['one.txt', 'two.txt'],
      ]);
      expect(await overwriting.listdir('l/')).toEqual([
        ['sub', 'sub2'],
        ['one.txt', 'two.txt'],
      ]);
      expect(await overwriting.listdir('l/sub2')).toEqual([[], ['four.txt']]);
      expect(await overwriting.listdir('nope')).toEqual([[], []]);
    });

    it('reports a missing file as FileNotFoundError', async () => {
      await expect(storage.size('missing.txt')).rejects.toBeInstanceOf(FileNotFoundError);
      await expect(storage.getModifiedTime('missing.txt')).rejects.toBeInstanceOf(FileNotFoundError);
      await expect(storage.open('missing.txt')).rejects.toBeInstanceOf(FileNotFoundError);
      await expect(storage.createReadStream('missing.txt')).rejects.toBeInstanceOf(FileNotFoundError);
      await expect(storage.open('missing.txt')).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('gives the modification time as a Date', async () => {
      await storage.save('time.txt', 'x');
      const modified = await storage.getModifiedTime('time.txt');
      expect(types.isDate(modified)).toBe(true);
      expect(Math.abs(modified.getTime() - Date.now())).toBeLessThan(3600_000);
    });

    it('reads by size, by line and in chunks, in binary and text mode', async () => {
      await overwriting.save('lines.txt', 'a\nb\r\nc\rd');
      const binary = await overwriting.open('lines.txt', 'rb');
      expect(await binary.read(2)).toEqual(Buffer.from('a\n'));
      expect(await binary.readline()).toEqual(Buffer.from('b\r\n'));
      expect(await binary.readlines()).toEqual([
        Buffer.from('a\n'),
        Buffer.from('b\r\n'),
        Buffer.from('c\r'),
        Buffer.from('d'),
      ]);
      await binary.close();
      expect(binary.closed).toBe(true);

      const textFile = await overwriting.open('lines.txt', 'r');
      expect(await textFile.readline()).toBe('a\n');
      expect(await textFile.read()).toBe('b\nc\nd');
      expect(await textFile.readlines()).toEqual(['a\n', 'b\n', 'c\n', 'd']);
      const chunks: string[] = [];
      for await (const chunk of textFile.chunks(3)) chunks.push(chunk);
      expect(chunks.join('')).toBe('a\nb\nc\nd');
      await textFile.close();
      expect(await textFile.size()).toBe(8);
    });

    it('writes a file opened for writing, text and bytes mixed, and works with await using', async () => {
      {
        await using file = await overwriting.open('written.txt', 'w');
        await file.write('text é');
        await file.write(Buffer.from('bytes'));
        expect(file.mode).toBe('w');
      }
      expect(await text(await overwriting.createReadStream('written.txt'))).toBe('text ébytes');
    });

    it('creates an empty file when nothing is written, but leaves an existing file as it was', async () => {
      const empty = await overwriting.open('empty.txt', 'wb');
      await empty.close();
      expect(await overwriting.size('empty.txt')).toBe(0);

      await overwriting.save('kept.txt', 'kept');
      const untouched = await overwriting.open('kept.txt', 'wb');
      await untouched.close();
      expect(await text(await overwriting.createReadStream('kept.txt'))).toBe('kept');
    });

    it('leaves nothing when a write is aborted', async () => {
      const file = await overwriting.open('aborted.txt', 'wb');
      await file.write('partial');
      await file.abort();
      expect(await overwriting.exists('aborted.txt')).toBe(false);
    });

    it('refuses to read a file opened for writing and to write one opened for reading', async () => {
      await overwriting.save('modes.txt', 'x');
      const reading = await overwriting.open('modes.txt', 'rb');
      await expect(reading.write('y')).rejects.toThrow('File was not opened in write mode.');
      await reading.close();
      const writing = await overwriting.open('modes2.txt', 'wb');
      await expect(writing.read()).rejects.toThrow('File was not opened in read mode.');
      await writing.abort();
    });

    it('streams a byte range, end inclusive', async () => {
      await overwriting.save('range.txt', '0123456789');
      expect(await text(await overwriting.createReadStream('range.txt', { start: 2, end: 4 }))).toBe('234');
      expect(await text(await overwriting.createReadStream('range.txt', { start: 7 }))).toBe('789');
      expect(await text(await overwriting.createReadStream('range.txt', { end: 1 }))).toBe('01');
    });

    describe('stat, scan, copy, move and deleteMany', () => {
      it('stat() gives size, modification time and an unquoted ETag; a missing file is FileNotFoundError naming it', async () => {
        await overwriting.save('stat/file.txt', 'twelve bytes');
        const stat = await overwriting.stat('stat/file.txt');
        expect(stat).toMatchObject({ name: 'stat/file.txt', size: 12 });
        expect(types.isDate(stat.lastModified)).toBe(true);
        expect(Math.abs(stat.lastModified.getTime() - Date.now())).toBeLessThan(3600_000);
        if (stat.etag !== undefined) expect(stat.etag).toMatch(/^[^"]+$/);
        expect(await overwriting.stat('./stat//file.txt')).toMatchObject({ name: 'stat/file.txt', size: 12 });
        await expect(overwriting.stat('stat/missing.txt')).rejects.toBeInstanceOf(FileNotFoundError);
        await expect(overwriting.stat('stat/missing.txt')).rejects.toThrow('stat/missing.txt');
        await expect(overwriting.stat('../stat/file.txt')).rejects.toBeInstanceOf(SuspiciousOperation);
        await expect(overwriting.stat('stat/')).rejects.toBeInstanceOf(SuspiciousOperation);
      });

      it('scan() yields whole names under the folder with what stat() says, recursive by default', async () => {
        const names = ['scan/a.txt', 'scan/sub/b.txt', 'scan/sub/deeper/c.txt', 'scan2.txt', 'scan-sibling/d.txt'];
        for (const name of names) await overwriting.save(name, `content of ${name}`);
        const entries = await collect(overwriting.scan('scan'));
        expect(namesOf(entries).sort()).toEqual(['scan/a.txt', 'scan/sub/b.txt', 'scan/sub/deeper/c.txt']);
        for (const entry of entries) {
          const stat = await overwriting.stat(entry.name);
          expect(entry.size).toBe(Buffer.byteLength(`content of ${entry.name}`));
          expect(entry.size).toBe(stat.size);
          expect(entry.etag).toBe(stat.etag);
          expect(Math.abs(entry.lastModified.getTime() - stat.lastModified.getTime())).toBeLessThan(2000);
        }
        expect(namesOf(await collect(overwriting.scan('scan/')))).toEqual(namesOf(entries));
        expect(namesOf(await collect(overwriting.scan('scan', { recursive: false })))).toEqual(['scan/a.txt']);
        expect(namesOf(await collect(overwriting.scan('scan/sub', { recursive: false })))).toEqual(['scan/sub/b.txt']);
        expect(await collect(overwriting.scan('scan/a.txt'))).toEqual([]);
        expect(await collect(overwriting.scan('nothing-here'))).toEqual([]);
        const all = namesOf(await collect(overwriting.scan()));
        for (const name of names) expect(all).toContain(name);
        await expect(collect(overwriting.scan('../up'))).rejects.toBeInstanceOf(SuspiciousOperation);
      });

      (exceptions.listsInByteOrder === false ? it.skip : it)(
        'scan() yields names in UTF-8 byte order, across folders',
        async () => {
          const names = [
            'order/a.txt',
            'order/a-b',
            'order/a/b',
            'order/a0',
            'order/Z',
            'order/é',
            'order/\uff5e',
            'order/😀',
          ];
          for (const name of names) await overwriting.save(name, 'x');
          expect(namesOf(await collect(overwriting.scan('order')))).toEqual(byteSorted(names));
        },
      );

      it('scan() stops when the caller does', async () => {
        for (const name of ['early/1', 'early/2', 'early/3']) await overwriting.save(name, 'x');
        const seen: string[] = [];
        for await (const entry of overwriting.scan('early')) {
          seen.push(entry.name);
          if (seen.length === 2) break;
        }
        expect(seen).toHaveLength(2);
      });

      it('copy() keeps the content and the content type, and returns the name used', async () => {
        await overwriting.save('copy/source.css', new ContentFile('body { color: red }', undefined, 'text/plain'));
        expect(await overwriting.copy('copy/source.css', 'copy/target.css')).toBe('copy/target.css');
        expect(await text(await overwriting.createReadStream('copy/target.css'))).toBe('body { color: red }');
        expect(await text(await overwriting.createReadStream('copy/source.css'))).toBe('body { color: red }');
        const [source, target] = [await overwriting.stat('copy/source.css'), await overwriting.stat('copy/target.css')];
        expect(target.size).toBe(source.size);
        // A backend that stores content types keeps the source's, not one guessed from the target's name.
        if (source.contentType === 'text/plain') expect(target.contentType).toBe('text/plain');
        if (source.etag !== undefined) expect(target.etag).toBe(source.etag);
      });

      it('copy() follows fileOverwrite as save() does', async () => {
        await storage.save('copy2/source.txt', 'new');
        await storage.save('copy2/taken.txt', 'old');
        const name = await storage.copy('copy2/source.txt', 'copy2/taken.txt');
        expect(name).toMatch(/^copy2\/taken_[A-Za-z0-9]{7}\.txt$/);
        expect(await text(await storage.createReadStream('copy2/taken.txt'))).toBe('old');
        expect(await text(await storage.createReadStream(name))).toBe('new');

        await overwriting.save('copy2/source.txt', 'new');
        await overwriting.save('copy2/taken.txt', 'old');
        expect(await overwriting.copy('copy2/source.txt', 'copy2/taken.txt')).toBe('copy2/taken.txt');
        expect(await text(await overwriting.createReadStream('copy2/taken.txt'))).toBe('new');
      });

      it('copy() of a missing source is FileNotFoundError; onto itself, ValueError; climbing out is refused', async () => {
        await expect(overwriting.copy('copy3/missing.txt', 'copy3/t.txt')).rejects.toBeInstanceOf(FileNotFoundError);
        expect(await overwriting.exists('copy3/t.txt')).toBe(false);
        await overwriting.save('copy3/self.txt', 'self');
        await expect(overwriting.copy('copy3/self.txt', './copy3/self.txt')).rejects.toBeInstanceOf(ValueError);
        await expect(storage.copy('copy3/self.txt', 'copy3/self.txt')).rejects.toBeInstanceOf(ValueError);
        expect(await text(await overwriting.createReadStream('copy3/self.txt'))).toBe('self');
        await expect(overwriting.copy('copy3/self.txt', '../out.txt')).rejects.toBeInstanceOf(SuspiciousOperation);
        await expect(overwriting.copy('../copy3/self.txt', 'in.txt')).rejects.toBeInstanceOf(SuspiciousOperation);
        await expect(overwriting.copy('copy3/self.txt', 'copy3/')).rejects.toBeInstanceOf(SuspiciousOperation);
      });

      it('move() copies then deletes the source, and returns the name used', async () => {
        await overwriting.save('move/from.txt', 'moving');
        expect(await overwriting.move('move/from.txt', 'move/to.txt')).toBe('move/to.txt');
        expect(await overwriting.exists('move/from.txt')).toBe(false);
        expect(await text(await overwriting.createReadStream('move/to.txt'))).toBe('moving');
        await expect(overwriting.move('move/from.txt', 'move/again.txt')).rejects.toBeInstanceOf(FileNotFoundError);
        await expect(overwriting.move('move/to.txt', 'move/to.txt')).rejects.toBeInstanceOf(ValueError);
        expect(await overwriting.exists('move/to.txt')).toBe(true);
      });

      it('deleteMany() deletes names and counts missing ones as deleted', async () => {
        for (const name of ['bulk/1.txt', 'bulk/2.txt', 'bulk/keep.txt']) await overwriting.save(name, 'x');
        expect(await overwriting.deleteMany(['bulk/1.txt', 'bulk/2.txt', 'bulk/never.txt'])).toBe(3);
        expect(namesOf(await collect(overwriting.scan('bulk')))).toEqual(['bulk/keep.txt']);
        expect(await overwriting.deleteMany([])).toBe(0);
      });

      it('deleteMany(scan(folder)) empties the folder and nothing else', async () => {
        const names = Array.from({ length: 12 }, (_, i) => `tmp/${i % 3}/f${i}.txt`);
        for (const name of names) await overwriting.save(name, 'x');
        await overwriting.save('tmp-kept.txt', 'x');
        expect(await overwriting.deleteMany(overwriting.scan('tmp/'))).toBe(12);
        expect(await collect(overwriting.scan('tmp'))).toEqual([]);
        expect(await overwriting.exists('tmp-kept.txt')).toBe(true);
      });

      it('deleteMany() tries every name; an invalid one fails alone, in an AggregateError naming it', async () => {
        for (const name of ['bad/1.txt', 'bad/2.txt']) await overwriting.save(name, 'x');
        async function* names() {
          yield 'bad/1.txt';
          yield '../escape.txt';
          yield 'bad/2.txt';
        }
        const failure = await overwriting.deleteMany(names()).catch((err: unknown) => err);
        expect(failure).toBeInstanceOf(AggregateError);
        const { errors, message } = failure as AggregateError;
        expect(message).toMatch(/1 of 3/);
        expect(errors).toHaveLength(1);
        expect(errors[0]).toBeInstanceOf(SuspiciousOperation);
        expect(String(errors[0].message)).toContain('../escape.txt');
        expect(await overwriting.exists('bad/1.txt')).toBe(false);
        expect(await overwriting.exists('bad/2.txt')).toBe(false);
      });
    });

    it('makes names valid and generates file names as Django does', () => {
      expect(storage.getValidName('my file (1).jpg')).toBe('my_file_1.jpg');
      expect(storage.generateFilename('a b/c d.txt')).toBe('a b/c_d.txt');
      expect(() => storage.generateFilename('../x/a.txt')).toThrow("Detected path traversal attempt in '../x'");
    });
  });
}
