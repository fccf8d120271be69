/**
 * The name rules of django-storages and Django, row by row from the behaviour reference
 * (§3 clean_name / safe_join / _normalize_name, §4.2.1 save() validation, §4.3 available,
 * valid and generated names, §4.9 URL encodings, §10 porting traps). No network.
 */
import { Readable } from 'node:stream';
import {
  ContentFile,
  S3Storage,
  Storage,
  SuspiciousFileOperation,
  SuspiciousOperation,
  type StorageFile,
} from '../../lib/index.js';
import {
  cleanName,
  filepathToUri,
  getAvailableOverwriteName,
  getValidFilename,
  quotePlus,
  safeJoin,
  urlencode,
  validateFileName,
} from '../../lib/core/names.js';
import { gatewayOf } from '../../lib/backends/s3/s3-gateway.js';
import * as posixpath from '../../lib/core/posixpath.js';
import type { SaveBody } from '../../lib/core/storage.js';

/**
 * The backend-neutral `Storage` with the smallest possible medium: a set of names. Only what
 * the name rules need (`exists`, `_save`) does anything.
 */
class NameSetStorage extends Storage {
  readonly saved: string[] = [];
  constructor(
    readonly fileOverwrite: boolean,
    readonly names = new Set<string>(),
  ) {
    super();
  }
  async exists(name: string): Promise<boolean> {
    return this.names.has(name);
  }
  protected async _save(name: string, _content: SaveBody): Promise<string> {
    this.names.add(name);
    this.saved.push(name);
    return name;
  }
  protected _open(): Promise<StorageFile> {
    throw new Error('not used');
  }
  delete(): Promise<void> {
    throw new Error('not used');
  }
  listdir(): Promise<[string[], string[]]> {
    throw new Error('not used');
  }
  size(): Promise<number> {
    throw new Error('not used');
  }
  url(): Promise<string> {
    throw new Error('not used');
  }
  getModifiedTime(): Promise<Date> {
    throw new Error('not used');
  }
  createReadStream(): Promise<Readable> {
    throw new Error('not used');
  }
}

const RANDOM = '[A-Za-z0-9]{7}';
const TRUNCATE_AWAY = (name: string) =>
  `Storage tried to truncate away entire filename "${name}". ` +
  'Please make sure that the corresponding file field allows sufficient "max_length".';

describe('cleanName (storages.utils.clean_name, §3.1)', () => {
  test.each([
    ['', ''],
    ['.', ''],
    ['/', '/'],
    ['a/', 'a/'],
    ['/a', '/a'],
    ['a//b', 'a/b'],
    ['a/./b', 'a/b'],
    ['a/../b', 'b'],
    ['../a', '../a'],
    ['a/..', ''],
    ['a\\b\\c', 'a/b/c'],
    ['a\\b\\', 'a/b/'],
    ['./a/', 'a/'],
    ['a/b/../../..', '..'],
    ['//a', '//a'],
    ['///a', '/a'],
    ['a/.', 'a'],
    ['path/to/anywhere', 'path/to/anywhere'],
    // normpath first, then backslashes: backslash segments are not normalised
    ['a\\..\\b', 'a/../b'],
    ['/..', '/'],
    ['./', './'],
  ])('%j → %j', (name, cleaned) => {
    expect(cleanName(name)).toBe(cleaned);
  });

  // Beyond django-storages: names S3 listings could not carry, or that have no UTF-8 form.
  test.each([
    ['a\u0000b', 'U+0000'],
    ['line\nbreak', 'U+000A'],
    ['cr\r', 'U+000D'],
    ['\u001b[0m', 'U+001B'],
    ['del\u007f', 'U+007F'],
  ])('a control character is refused: %j', (name, code) => {
    expect(() => cleanName(name)).toThrow(
      new SuspiciousFileOperation(
        `File name ${JSON.stringify(name)} contains the control character ${code}; ` +
          'names cannot hold control characters (U+0000 to U+001F, U+007F)',
      ),
    );
  });

  test('an unpaired surrogate is refused; a pair (an emoji) and C1 or format characters are kept', () => {
    expect(() => cleanName('a\ud800.txt')).toThrow(
      new SuspiciousFileOperation(
        'File name "a\\ud800.txt" is not valid Unicode: it holds the unpaired surrogate U+D800',
      ),
    );
    expect(() => cleanName('\udc00')).toThrow(SuspiciousFileOperation);
    expect(cleanName('📄 \u0085\u200b\u202e.txt')).toBe('📄 \u0085\u200b\u202e.txt');
  });
});

describe('plain names and paths take a fast path that gives exactly what the full rules give', () => {
  // clean_name and safe_join as django-storages writes them, without any shortcut.
  function fullCleanName(name: string): string {
    let cleaned = posixpath.normpath(name).replaceAll('\\', '/');
    if (name.endsWith('/') && !cleaned.endsWith('/')) cleaned += '/';
    return cleaned === '.' ? '' : cleaned;
  }
  function fullSafeJoin(base: string, path: string): string {
    const basePath = base.replace(/\/+$/, '');
    let finalPath = posixpath.normpath(posixpath.join(basePath + '/', path));
    if (path.endsWith('/') || finalPath + '/' === basePath + '/') finalPath += '/';
    if (finalPath === basePath) finalPath += '/';
    if (!finalPath.startsWith(basePath) || finalPath[basePath.length] !== '/') return 'refused';
    return finalPath.replace(/^\/+/, '');
  }
  function fullRelpath(path: string, start: string): string {
    const startList = posixpath
      .normpath('/' + start)
      .split('/')
      .filter(Boolean);
    const pathList = posixpath
      .normpath('/' + path)
      .split('/')
      .filter(Boolean);
    let common = 0;
    while (common < startList.length && common < pathList.length && startList[common] === pathList[common]) common++;
    const rel = [...Array<string>(startList.length - common).fill('..'), ...pathList.slice(common)];
    return rel.length ? rel.join('/') : '.';
  }
  const attempt = (join: () => string) => {
    try {
      return join();
    } catch {
      return 'refused';
    }
  };

  test('on 20,000 random names of dots, slashes, backslashes and letters, under several locations and starts', () => {
    const pieces = ['a', 'b', 'é', ' ', '.', '..', '...', '/', '//', '\\', '.a', 'a.'];
    let seed = 7;
    const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const differences: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const name = Array.from({ length: 1 + random(6) }, () => pieces[random(pieces.length)]).join('');
      const cleaned = cleanName(name);
      if (cleaned !== fullCleanName(name)) differences.push(`cleanName(${JSON.stringify(name)})`);
      for (const base of ['', 'media', 'media/', 'a/b', 'a//b', 'a/./b', '..']) {
        if (attempt(() => safeJoin(base, cleaned)) !== fullSafeJoin(base, cleaned)) {
          differences.push(`safeJoin(${JSON.stringify(base)}, ${JSON.stringify(cleaned)})`);
        }
      }
      // listdir's relpath of each listed key to the prefix, and of any path to any start
      for (const start of i % 4 ? [] : ['', 'media/', 'a/b/', 'a//b/', './', name, `${name}/`]) {
        for (const path of [`${start}${name}`, `${start}${name}/`, name]) {
          if (posixpath.relpath(path, start) !== fullRelpath(path, start)) {
            differences.push(`relpath(${JSON.stringify(path)}, ${JSON.stringify(start)})`);
          }
        }
      }
    }
    expect(differences).toEqual([]);
  });
});

describe('safeJoin (storages.utils.safe_join, §3.2)', () => {
  const outside = 'the joined path is located outside of the base path component';

  test.each([
    // an empty base clamps everything into the root
    ['', '/etc/passwd', 'etc/passwd'],
    ['', '../a.txt', 'a.txt'],
    ['', '../../..', ''],
    ['', '..', ''],
    ['', 'a/', 'a/'],
    ['', '', ''],
    // a path that leaves and re-enters the base is allowed
    ['media', '../media/x', 'media/x'],
    ['media', 'a/b.txt', 'media/a/b.txt'],
    ['media/', 'a/b.txt', 'media/a/b.txt'],
    ['media', 'a/', 'media/a/'],
    ['media', '', 'media/'],
    ['media', '.', 'media/'],
    ['media', 'x/..', 'media/'],
    ['a/b', 'c', 'a/b/c'],
  ])('safeJoin(%j, %j) → %j', (base, path, joined) => {
    expect(safeJoin(base, path)).toBe(joined);
  });

  test.each([
    ['media', '/etc/passwd'], // Python's join discards the base for an absolute path
    ['media', '../a.txt'],
    ['media', '..'],
    ['media', '../mediafoo/x'], // a sibling that shares the prefix
    ['media', 'a/../../b'],
    ['/media', '//etc'],
  ])('safeJoin(%j, %j) is outside the base', (base, path) => {
    expect(() => safeJoin(base, path)).toThrow(outside);
  });

  test('joins several paths in turn', () => {
    expect(safeJoin('media', 'a', 'b/', 'c.txt')).toBe('media/a/b/c.txt');
    expect(safeJoin('media', 'a', 'b/')).toBe('media/a/b/');
  });
});

describe('S3Storage._normalize_name (§3.3): the key of a cleaned name', () => {
  const key = (location: string, name: string) =>
    gatewayOf(new S3Storage({ bucketName: 'b', location })).normalizeName(cleanName(name));

  test.each([
    ['', '', 'media/'],
    ['a.txt', 'a.txt', 'media/a.txt'],
    ['a/', 'a/', 'media/a/'],
    ['x/../media2/a', 'media2/a', 'media/media2/a'],
    ['./', '', 'media/'],
  ])('%j → %j, with location "media" %j', (name, atRoot, inMedia) => {
    expect(key('', name)).toBe(atRoot);
    expect(key('media', name)).toBe(inMedia);
    expect(key('media/', name)).toBe(inMedia);
  });

  test.each([
    ['/a.txt', 'a.txt', '/a.txt'],
    ['../a.txt', 'a.txt', '../a.txt'],
    ['a/../../b', 'b', '../b'], // the message names the cleaned name
    ['..', '', '..'],
  ])('%j → %j at the root; refused under "media"', (name, atRoot, cleaned) => {
    expect(key('', name)).toBe(atRoot);
    for (const location of ['media', 'media/']) {
      let error: unknown;
      try {
        key(location, name);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SuspiciousOperation);
      expect(error).not.toBeInstanceOf(SuspiciousFileOperation);
      expect((error as Error).name).toBe('SuspiciousOperation');
      expect((error as Error).message).toBe(`Attempted access to '${cleaned}' denied.`);
    }
  });

  test('public methods refuse an escape before any request is made', async () => {
    // No endpoint is reachable at this address: a request would fail differently.
    const storage = new S3Storage({ location: 'media', bucketName: 'b', endpointUrl: 'http://127.0.0.1:9' });
    const denied = "Attempted access to '../a.txt' denied.";
    await expect(storage.exists('../a.txt')).rejects.toThrow(denied);
    await expect(storage.size('../a.txt')).rejects.toThrow(denied);
    await expect(storage.delete('../a.txt')).rejects.toThrow(denied);
    await expect(storage.listdir('../a.txt')).rejects.toThrow(denied);
    await expect(storage.getModifiedTime('../a.txt')).rejects.toThrow(denied);
    await expect(storage.open('../a.txt')).rejects.toThrow(denied);
    await expect(storage.createReadStream('../a.txt')).rejects.toThrow(denied);
    await expect(storage.url('../a.txt')).rejects.toThrow(denied);
    await storage.close();
  });
});

describe('save() validation (Django Storage.save, §4.2.1)', () => {
  test.each([
    ['/abs.txt', "Detected path traversal attempt in '/abs.txt'"],
    ['./x/../b.txt', "Detected path traversal attempt in './x/../b.txt'"],
    ['../a.txt', "Detected path traversal attempt in '../a.txt'"],
    ['a\\..\\b.txt', "Detected path traversal attempt in 'a\\..\\b.txt'"],
    ['dir/', "Could not derive file name from 'dir/'"],
    ['.', "Could not derive file name from '.'"],
    ['a/..', "Could not derive file name from 'a/..'"],
    ['', "Could not derive file name from ''"],
  ])('save(%j) → %s, nothing saved', async (name, message) => {
    for (const fileOverwrite of [true, false]) {
      const storage = new NameSetStorage(fileOverwrite);
      const error = await storage.save(name, 'x').catch((err: unknown) => err);
      expect(error).toBeInstanceOf(SuspiciousFileOperation);
      expect((error as Error).name).toBe('SuspiciousFileOperation');
      expect((error as Error).message).toBe(message);
      expect(storage.saved).toEqual([]);
    }
  });

  test('save(null, ContentFile with a name) uses the content name', async () => {
    const storage = new NameSetStorage(true);
    expect(await storage.save(null, new ContentFile('x', 'from_name.bin'))).toBe('from_name.bin');
    expect(await storage.save(undefined, new ContentFile('x', 'd/other.bin'))).toBe('d/other.bin');
  });

  test('save(null, content without a name) cannot derive a name', async () => {
    const storage = new NameSetStorage(true);
    await expect(storage.save(null, new ContentFile('x'))).rejects.toThrow("Could not derive file name from ''");
    await expect(storage.save(null, Buffer.from('x'))).rejects.toThrow(SuspiciousFileOperation);
    expect(storage.saved).toEqual([]);
  });

  test('save() keeps non-ASCII names (it never applies getValidName)', async () => {
    const storage = new NameSetStorage(true);
    expect(await storage.save('ãlöhâ/my file (1).jpg', 'x')).toBe('ãlöhâ/my file (1).jpg');
  });

  test('save() cleans the name it is given', async () => {
    const storage = new NameSetStorage(true);
    expect(await storage.save('a\\b.txt', 'x')).toBe('a/b.txt');
    expect(await storage.save('a//b/./c.txt', 'x')).toBe('a/b/c.txt');
  });

  test('validateFileName without relative paths refuses path elements', () => {
    expect(validateFileName('a.txt')).toBe('a.txt');
    expect(() => validateFileName('a/b.txt')).toThrow("File name 'a/b.txt' includes path elements");
    expect(validateFileName('a/b.txt', true)).toBe('a/b.txt');
  });
});

describe('getAvailableName with fileOverwrite (get_available_overwrite_name, §4.3)', () => {
  const storage = new NameSetStorage(true, new Set(['a/b.txt']));

  test.each([
    ['a/b.txt', undefined, 'a/b.txt'],
    ['a/b.txt', 7, 'a/b.txt'],
    ['a\\b.txt', undefined, 'a/b.txt'],
    ['a/../b.txt', undefined, 'b.txt'],
    ['/abs.txt', undefined, '/abs.txt'], // save() refuses it, getAvailableName does not
    ['a/long_file_name.tar.gz', 15, 'a/long_file_.gz'],
    ['parent/child.txt', 'parent/child.txt'.length - 1, 'parent/chil.txt'],
    ['ãlöhâ.jpg', 8, 'ãlöh.jpg'], // characters, not UTF-16 units or bytes
  ])('(%j, %j) → %j, existing or not', async (name, maxLength, available) => {
    expect(await storage.getAvailableName(name, maxLength)).toBe(available);
  });

  test.each([
    ['a/b.txt', 6, TRUNCATE_AWAY('a/b.txt')],
    ['parent/child.txt', 'parent/child.txt'.length - 5, TRUNCATE_AWAY('parent/child.txt')],
    ['dir/', undefined, "Could not derive file name from ''"],
    ['../a.txt', undefined, "Detected path traversal attempt in '..'"],
    ['a/../../b.txt', undefined, "Detected path traversal attempt in '..'"],
  ])('(%j, %j) → %s', async (name, maxLength, message) => {
    const error = await storage.getAvailableName(name, maxLength).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SuspiciousFileOperation);
    expect((error as Error).message).toBe(message);
  });

  test('the utils function itself does not clean: a ".." directory is refused', () => {
    expect(() => getAvailableOverwriteName('superlong/file/with/../path.txt', 50)).toThrow(
      "Detected path traversal attempt in 'superlong/file/with/..'",
    );
  });

  test('never asks whether the name exists', async () => {
    const asked: string[] = [];
    const spying = new (class extends NameSetStorage {
      override async exists(name: string) {
        asked.push(name);
        return true;
      }
    })(true);
    expect(await spying.getAvailableName('a/b.txt')).toBe('a/b.txt');
    expect(await spying.save('a/b.txt', 'x')).toBe('a/b.txt');
    expect(asked).toEqual([]);
  });
});

describe('getAvailableName without fileOverwrite (Django get_available_name, §4.3)', () => {
  test('a free name is kept', async () => {
    const storage = new NameSetStorage(false);
    expect(await storage.getAvailableName('dup.txt')).toBe('dup.txt');
  });

  test('a taken name gets _XXXXXXX (7 of [A-Za-z0-9]) before the extension', async () => {
    const storage = new NameSetStorage(false, new Set(['dup.txt', 'd/dup.txt']));
    expect(await storage.getAvailableName('dup.txt')).toMatch(new RegExp(`^dup_${RANDOM}\\.txt$`));
    expect(await storage.getAvailableName('d/dup.txt')).toMatch(new RegExp(`^d/dup_${RANDOM}\\.txt$`));
  });

  test('saving twice: dup.txt, then dup_XXXXXXX.txt', async () => {
    const storage = new NameSetStorage(false);
    expect(await storage.save('dup.txt', 'x')).toBe('dup.txt');
    expect(await storage.save('dup.txt', 'x')).toMatch(new RegExp(`^dup_${RANDOM}\\.txt$`));
  });

  test('all suffixes stay together: archive_XXXXXXX.tar.gz', async () => {
    const storage = new NameSetStorage(false, new Set(['archive.tar.gz', 'noext', '.bashrc', 'v1.2.3.tar.gz']));
    expect(await storage.getAvailableName('archive.tar.gz')).toMatch(new RegExp(`^archive_${RANDOM}\\.tar\\.gz$`));
    expect(await storage.getAvailableName('noext')).toMatch(new RegExp(`^noext_${RANDOM}$`));
    expect(await storage.getAvailableName('.bashrc')).toMatch(new RegExp(`^\\.bashrc_${RANDOM}$`));
    expect(await storage.getAvailableName('v1.2.3.tar.gz')).toMatch(new RegExp(`^v1_${RANDOM}\\.2\\.3\\.tar\\.gz$`));
  });

  test('the random part differs between calls', async () => {
    const storage = new NameSetStorage(false, new Set(['dup.txt']));
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) names.add(await storage.getAvailableName('dup.txt'));
    expect(names.size).toBeGreaterThan(1);
  });

  test('keeps trying until a candidate is free', async () => {
    let calls = 0;
    const storage = new (class extends NameSetStorage {
      override async exists() {
        return ++calls <= 3;
      }
    })(false);
    expect(await storage.getAvailableName('a.txt')).toMatch(new RegExp(`^a_${RANDOM}\\.txt$`));
    expect(calls).toBe(4);
  });

  test('the root is shortened to fit maxLength', async () => {
    const storage = new NameSetStorage(false, new Set(['dir/longname.txt']));
    // 'dir/longname_XXXXXXX.txt' is 24 characters; 20 allowed → the root loses 4.
    expect(await storage.getAvailableName('dir/longname.txt', 20)).toMatch(new RegExp(`^dir/long_${RANDOM}\\.txt$`));
  });

  test('a free name that is too long is replaced by a shortened candidate', async () => {
    const storage = new NameSetStorage(false);
    const name = await storage.getAvailableName('verylongname.tar.gz', 18);
    expect(name).toMatch(new RegExp(`^ver_${RANDOM}\\.tar\\.gz$`));
    expect([...name]).toHaveLength(18);
  });

  test('no room for any root: "can not find an available filename"', async () => {
    const storage = new NameSetStorage(false, new Set(['dir/name.txt']));
    const error = await storage.getAvailableName('dir/name.txt', 14).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SuspiciousFileOperation);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Storage can not find an available filename for "dir/name_${RANDOM}\\.txt"\\. ` +
          'Please make sure that the corresponding file field allows sufficient "max_length"\\.$',
      ),
    );
  });

  test.each([
    ['../a.txt', "Detected path traversal attempt in '..'"],
    ['dir/', "Could not derive file name from ''"],
  ])('(%j) → %s', async (name, message) => {
    await expect(new NameSetStorage(false).getAvailableName(name)).rejects.toThrow(message);
  });

  test('backslashes are separators', async () => {
    const storage = new NameSetStorage(false, new Set(['a/b.txt']));
    expect(await storage.getAvailableName('a\\b.txt')).toMatch(new RegExp(`^a/b_${RANDOM}\\.txt$`));
  });
});

describe('getValidName (Django get_valid_filename, §4.3)', () => {
  const storage = new NameSetStorage(true);

  test.each([
    ['my file (1).jpg', 'my_file_1.jpg'],
    ['ãlöhâ.jpg', 'ãlöhâ.jpg'],
    ['weird$%^&.txt', 'weird.txt'],
    ['a b/c d.txt', 'a_bc_d.txt'],
    ["  john's portrait in 2004.jpg ", 'johns_portrait_in_2004.jpg'],
    ['-_.txt', '-_.txt'],
  ])('%j → %j', (name, valid) => {
    expect(storage.getValidName(name)).toBe(valid);
    expect(getValidFilename(name)).toBe(valid);
  });

  // Django's answers (Python's str.strip() and re), where JavaScript's trim() would differ.
  test.each([
    [' \x1c x.txt', 'x.txt'],
    [' \x1d x.txt', 'x.txt'],
    [' \x1e x.txt', 'x.txt'],
    [' \x1f x.txt', 'x.txt'],
    ['\x1f x \x1f', 'x'],
    [' \x85 x.txt', 'x.txt'],
    [' \ufeff x.txt', '_x.txt'],
    ['\ufeff x \ufeff', '_x_'],
    [' \u200b x.txt', '_x.txt'],
    [' \u180e x.txt', '_x.txt'],
    [' \xa0 x.txt', 'x.txt'],
    [' \u3000 x.txt', 'x.txt'],
    [' \u2028 x.txt', 'x.txt'],
    [' \t\v x.txt', 'x.txt'],
    ['a\x1fb.txt', 'ab.txt'],
  ])('strips as Python str.strip(): %j → %j', (name, valid) => {
    expect(storage.getValidName(name)).toBe(valid);
    expect(storage.generateFilename(`dir/${name}`)).toBe(`dir/${valid}`);
  });

  test.each(['', '.', '..', '$%^', ' '])('%j cannot be a file name', (name) => {
    expect(() => storage.getValidName(name)).toThrow(
      new SuspiciousFileOperation(`Could not derive file name from '${name}'`),
    );
  });
});

describe('generateFilename (Django generate_filename, §4.3)', () => {
  const storage = new NameSetStorage(true);

  test.each([
    ['a b/c d.txt', 'a b/c_d.txt'], // the directory part is not sanitised
    ['a\\b\\c d.txt', 'a/b/c_d.txt'],
    ['my file (1).jpg', 'my_file_1.jpg'],
    ['dir/./sub//x.txt', 'dir/sub/x.txt'],
    ['/abs/x.txt', '/abs/x.txt'],
  ])('%j → %j', (name, generated) => {
    expect(storage.generateFilename(name)).toBe(generated);
  });

  test.each([
    ['../x.txt', "Detected path traversal attempt in '..'"],
    ['a/../../x.txt', "Detected path traversal attempt in 'a/../..'"],
    ['a\\..\\x.txt', "Detected path traversal attempt in 'a/..'"],
    ['dir/', "Could not derive file name from ''"],
  ])('%j → %s', (name, message) => {
    expect(() => storage.generateFilename(name)).toThrow(new SuspiciousFileOperation(message));
  });
});

describe('porting traps: Python posixpath, not Node path.posix (§10)', () => {
  test.each([
    ['a/', 'a'], // path.posix.normalize keeps the slash
    ['//a', '//a'], // path.posix.normalize collapses it to /a
    ['///a', '/a'],
    ['', '.'],
    ['/..', '/'],
    ['../..', '../..'],
    ['a/b/../../..', '..'],
  ])('normpath(%j) → %j', (path, normal) => {
    expect(posixpath.normpath(path)).toBe(normal);
  });

  test('join discards everything before an absolute part', () => {
    expect(posixpath.join('media/', '/etc/passwd')).toBe('/etc/passwd');
    expect(posixpath.join('a', 'b', '/c', 'd')).toBe('/c/d');
    expect(posixpath.join('a/', 'b')).toBe('a/b');
    expect(posixpath.join('', 'b')).toBe('b');
  });

  test('safe_join of an absolute path under a base is refused, not joined', () => {
    expect(() => safeJoin('media', '/etc/passwd')).toThrow(RangeError);
  });

  test.each([
    ['a/b/c.txt', ['a/b', 'c.txt']],
    ['c.txt', ['', 'c.txt']],
    ['/c.txt', ['/', 'c.txt']],
    ['//c.txt', ['//', 'c.txt']],
    ['a//c.txt', ['a', 'c.txt']],
    ['a/', ['a', '']],
  ])('split(%j) → %j', (path, parts) => {
    expect(posixpath.split(path)).toEqual(parts);
  });

  test.each([
    ['a.tar.gz', ['a.tar', '.gz']],
    ['.bashrc', ['.bashrc', '']],
    ['..x', ['..x', '']],
    ['a.', ['a', '.']],
    ['d.d/file', ['d.d/file', '']],
    ['noext', ['noext', '']],
  ])('splitext(%j) → %j (last extension only)', (path, parts) => {
    expect(posixpath.splitext(path)).toEqual(parts);
  });

  test.each([
    ['archive.tar.gz', ['.tar', '.gz']],
    ['.bashrc', []],
    ['a.', []],
    ['noext', []],
  ])('suffixes(%j) → %j (pathlib)', (name, suffixes) => {
    expect(posixpath.suffixes(name)).toEqual(suffixes);
  });

  test.each([
    ['l/sub/', 'l/', 'sub'],
    ['l/one.txt', 'l/', 'one.txt'],
    ['sub/', '', 'sub'],
    ['l/', 'l/', '.'],
  ])('relpath(%j, %j) → %j', (path, start, rel) => {
    expect(posixpath.relpath(path, start)).toBe(rel);
  });
});

describe('URL encodings (§4.9)', () => {
  test.each([
    ["my file+1 ã&=~!*()'#?.txt", "my%20file%2B1%20%C3%A3%26%3D~!*()'%23%3F.txt"],
    ['a%20b.txt', 'a%2520b.txt'],
    ['a b/c+d.txt', 'a%20b/c%2Bd.txt'],
    ['dir\\x y.txt', 'dir/x%20y.txt'],
    ['trailing/', 'trailing/'],
  ])('filepathToUri(%j) → %j', (path, uri) => {
    expect(filepathToUri(path)).toBe(uri);
  });

  test.each([
    ['a b', 'a+b'],
    ["~*!'()", '~%2A%21%27%28%29'],
    ['a/b&c=d', 'a%2Fb%26c%3Dd'],
    ['ã', '%C3%A3'],
    ['-_.', '-_.'],
  ])('quotePlus(%j) → %j', (value, quoted) => {
    expect(quotePlus(value)).toBe(quoted);
  });

  test('urlencode keeps insertion order and str()-s values', () => {
    expect(urlencode({ v: 10, x: 'a b&c' })).toBe('v=10&x=a+b%26c');
    expect(urlencode({ 'a key': '*', z: 1, a: 2 })).toBe('a+key=%2A&z=1&a=2');
    expect(urlencode({})).toBe('');
  });
});
