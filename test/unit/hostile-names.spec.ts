/**
 * The hostile names of test/support/hostile-names.ts through every public method of
 * InMemoryStorage and FileSystemStorage: refused as `SuspiciousOperation`, or handled strictly
 * inside the storage's location (its key prefix, its directory).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { FileSystemStorage, InMemoryStorage } from '../../lib/index.js';
import { hostileNames, methodCalls, probe, tally, unexpected, type Outcome } from '../support/hostile-names.js';

const climbing = [
  'dot dot slash',
  'two levels up',
  'down then further up',
  'up to /etc/passwd',
  'backslash dot dot',
  'absolute /etc/passwd',
];

describe('hostile names on InMemoryStorage', () => {
  const storage = new InMemoryStorage({ location: 'media/uploads', baseUrl: '/media/' });
  const results: Record<string, Record<string, Outcome>> = {};
  beforeAll(async () => {
    for (const [label, name] of hostileNames('media/uploads')) results[label] = await probe(methodCalls(storage, name));
  });

  test('each call is refused as SuspiciousOperation, or done (or the file missing) inside the location', () => {
    expect(unexpected(results)).toEqual([]);
    for (const label of climbing)
      expect([label, results[label].save, results[label].exists]).toEqual([label, 'refused', 'refused']);
  });

  test('every key stored starts with the location', () => {
    const keys = [...(storage as unknown as { files: Map<string, unknown> }).files.keys()];
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter((key) => !key.startsWith('media/uploads/'))).toEqual([]);
  });
});

describe('hostile names on FileSystemStorage', () => {
  const root = mkdtempSync(join(tmpdir(), 'hostile-'));
  const location = join(root, 'inner', 'media');
  const storage = new FileSystemStorage({ location, baseUrl: '/media/' });
  const inside = (path: string) => path === location || path.startsWith(location + sep);
  const results: Record<string, Record<string, Outcome>> = {};
  beforeAll(async () => {
    for (const [label, name] of hostileNames(location)) {
      results[label] = await probe({ ...methodCalls(storage, name), path: () => storage.path(name) });
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('each call is refused as SuspiciousOperation, or done inside the location, or the system refused it there', () => {
    process.stderr.write(`hostile names on FileSystemStorage: ${JSON.stringify(tally(results))}\n`);
    // The filesystem's own refusals of names inside the location, as Django's FileSystemStorage
    // gives them: listing a file (ENOTDIR), a directory where a file is (EEXIST), reading a
    // directory (EISDIR), removing the non-empty location (ENOTEMPTY), a 300-byte segment
    // (ENAMETOOLONG). Each names its path, which is inside the location.
    const systemRefusal = ({ code, path }: { code?: string; path?: string }) =>
      ['ENOTDIR', 'EEXIST', 'EISDIR', 'ENOTEMPTY', 'ENAMETOOLONG'].includes(code!) &&
      (path === undefined || inside(path));
    expect(unexpected(results, systemRefusal)).toEqual([]);
    // An absolute name is refused by save() (Django's validate_file_name); the other methods take
    // it relative to the location (its leading slash dropped), inside it all the same.
    for (const label of climbing.filter((label) => !label.startsWith('absolute'))) {
      expect([label, results[label].save, results[label].exists, results[label].path]).toEqual([
        label,
        'refused',
        'refused',
        'refused',
      ]);
    }
  });

  test('every file and directory made is inside the location', () => {
    const made = readdirSync(root, { recursive: true }).map((path) => join(root, String(path)));
    expect(made.length).toBeGreaterThan(20);
    const outside = made.filter((path) => path !== join(root, 'inner') && !inside(path));
    expect(outside).toEqual([]);
    // Names of the location itself ('', '.', '/') name no file: writing them is refused, so the
    // location stays a directory and no temporary file is left beside it.
    expect(statSync(location).isDirectory()).toBe(true);
    for (const label of ['empty', 'dot', 'root', 'dot slash', 'slash dot dot']) {
      expect([label, results[label]['open wb']]).toEqual([label, 'refused']);
    }
  });
});
