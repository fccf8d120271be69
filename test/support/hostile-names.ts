/**
 * Names an attacker (or an unlucky upload) hands a storage: climbing out with `..` in every
 * disguise, absolute paths, control characters, keys longer than S3 allows, names that differ
 * only in case or Unicode normalization. `probe()` runs one name through every public method of
 * a storage and says how each answered; a test then checks that each was refused with
 * `SuspiciousOperation`, or handled strictly inside the storage's location.
 */
import { FileNotFoundError, SuspiciousOperation, type Storage } from '../../lib/index.js';

/** A name made of 100-byte segments (`aaa…/bbb…/…`), cut to exactly `bytes` bytes of UTF-8. */
export function nameOfBytes(bytes: number, letter = 'a'): string {
  let name = '';
  for (let i = 0; name.length < bytes; i++)
    name += (i ? '/' : '') + String.fromCharCode(letter.charCodeAt(0) + (i % 20)).repeat(99);
  return name.slice(0, bytes).replace(/\/$/, 'z');
}

/**
 * At least 60 hostile names, labelled. `location` sets the length of the key-limit cases (the
 * key is `location/name`); `longSegment` adds a single 300-byte path segment, which S3 allows
 * and s3rver cannot store (it crashes: ENAMETOOLONG).
 */
export function hostileNames(location: string, { longSegment = true } = {}): [label: string, name: string][] {
  const keyRoom = 1024 - Buffer.byteLength(`${location}/`);
  return [
    // Climbing out
    ['dot dot', '..'],
    ['dot dot slash', '../x'],
    ['two levels up', '../../x'],
    ['down then further up', 'a/../../x'],
    ['up to /etc/passwd', 'a/../../../etc/passwd'],
    ['dot slash dot dot', './../x'],
    ['dot segments mixed', 'a/./../../x'],
    ['up from deep', 'a/b/../../../x'],
    ['dot dot trailing slash', '../'],
    ['slash dot dot', '/..'],
    // Encoded dots and slashes: literal characters to S3, never decoded
    ['percent-encoded dots', '%2e%2e/x'],
    ['percent-encoded dots and slash', '%2e%2e%2fx'],
    ['percent-encoded slash', '..%2fx'],
    ['double-encoded dots', '%252e%252e/x'],
    ['percent NUL', '%00'],
    // Unicode look-alikes of dots and slashes
    ['fullwidth full stops', '．．/x'],
    ['two dot leader', '‥/x'],
    ['one dot leaders', '\u2024\u2024/x'],
    ['ideographic full stops', '。。/x'],
    ['division slash', '..\u2215x'],
    ['fraction slash', '..\u2044x'],
    ['fullwidth solidus', '..／x'],
    ['zero-width space before dots', '\u200b../x'],
    ['byte order mark before dots', '\ufeff../x'],
    ['space before dots', ' ../x'],
    ['space after dots', '.. /x'],
    ['three dots', '...'],
    ['three dots as a directory', '.../x'],
    ['three dots inside', 'a/.../b'],
    // Backslashes
    ['backslash dot dot', '..\\x'],
    ['backslashes down and up', 'a\\..\\..\\b'],
    ['backslashes two up', '..\\..\\x'],
    ['leading backslash', '\\x'],
    ['UNC path', '\\\\server\\share\\x'],
    ['drive letter with backslash', 'C:\\Windows\\x'],
    ['drive letter with slash', 'C:/x'],
    // Absolute
    ['absolute /etc/passwd', '/etc/passwd'],
    ['double slash', '//x'],
    ['triple slash', '///x'],
    ['root', '/'],
    ['home tilde', '~/x'],
    ['shell variable', '$HOME/x'],
    // Control characters and invalid Unicode
    ['NUL alone', '\u0000'],
    ['NUL inside', 'a\u0000b'],
    ['NUL before an extension', 'x.txt\u0000.jpg'],
    ['newline', 'a\nb'],
    ['carriage return', 'a\rb'],
    ['tab', 'a\tb'],
    ['escape sequence', '\u001b[31mred'],
    ['DEL', 'a\u007fb'],
    ['lone high surrogate', '\ud800'],
    ['lone low surrogate inside', 'a\udc00b'],
    ['right-to-left override', '\u202ex.txt'],
    // Lengths: S3's key limit is 1,024 bytes of UTF-8, location included
    ['name of 1,025 bytes', nameOfBytes(1025)],
    ['key of 1,025 bytes', nameOfBytes(keyRoom + 1)],
    ['key of exactly 1,024 bytes', nameOfBytes(keyRoom)],
    ['key over 1,024 bytes in 2-byte letters', 'é'.repeat(Math.ceil(keyRoom / 2) + 1).replace(/(.{90})/g, '$1/')],
    ['deep path (200 levels)', 'd/'.repeat(200) + 'x'],
    ['deeper than the key limit', 'd/'.repeat(600) + 'x'],
    ...(longSegment ? [['one 300-byte segment', 's'.repeat(300)] as [string, string]] : []),
    // Case and Unicode normalization
    ['NFC é', 'caf\u00e9.txt'],
    ['NFD é', 'cafe\u0301.txt'],
    ['upper case', 'CASE.txt'],
    ['lower case', 'case.txt'],
    ['Kelvin sign (NFKC K)', '\u212a.txt'],
    // Trailing dots and spaces, dots alone, empty
    ['trailing dot', 'x.'],
    ['trailing space', 'x '],
    ['trailing dots and spaces', 'x. . .'],
    ['space only', ' '],
    ['dot', '.'],
    ['empty', ''],
    ['dot slash', './'],
    ['directory', 'a/'],
    ['doubled slash inside', 'a//b'],
    ['hidden file', '.hidden'],
    // URL and shell specials, stored as they are
    ['query and fragment', 'x?y#z'],
    ['ampersand, equals, semicolon', 'x&y=z;w'],
    ['plus and space', '+ plus.txt'],
    ['emoji', '📁/📄.txt'],
  ];
}

/** Done, refused as suspicious, a missing file, or an error: the message, and a system error's code and path. */
export type Outcome = 'ok' | 'refused' | 'missing' | { error: string; code?: string; path?: string };

/** How a call answered. */
export async function outcomeOf(call: () => Promise<unknown> | unknown): Promise<Outcome> {
  try {
    await call();
    return 'ok';
  } catch (err) {
    if (err instanceof SuspiciousOperation) return 'refused';
    if (err instanceof FileNotFoundError) return 'missing';
    const { name, message, code, path } = err as NodeJS.ErrnoException;
    return { error: `${name}: ${message}`.slice(0, 300), code, path };
  }
}

/** Every public method of a storage with one name, reading what it opens and writing what it may write. */
export function methodCalls(storage: Storage, name: string): Record<string, () => Promise<unknown> | unknown> {
  return {
    // Deleting first, so that what the calls below write stays for the test to inspect.
    deleteMany: () => storage.deleteMany([name]).catch(firstOfAggregate),
    delete: () => storage.delete(name),
    save: () => storage.save(name, 'hostile'),
    'open rb': async () => {
      await using file = await storage.open(name, 'rb');
      await file.read();
    },
    'open wb': async () => {
      const file = await storage.open(name, 'wb');
      await file.write('hostile');
      await file.close();
    },
    exists: () => storage.exists(name),
    size: () => storage.size(name),
    getModifiedTime: () => storage.getModifiedTime(name),
    url: () => storage.url(name),
    createReadStream: async () => (await storage.createReadStream(name)).toArray(),
    listdir: () => storage.listdir(name),
    stat: () => storage.stat(name),
    scan: async () => {
      for await (const entry of storage.scan(name)) void entry;
    },
    'copy from': () => storage.copy(name, 'hostile-copy.txt'),
    'copy to': async () => {
      const source = await storage.save('hostile-source.txt', 'hostile');
      try {
        await storage.copy(source, name);
      } finally {
        await storage.delete(source);
      }
    },
    getAvailableName: () => storage.getAvailableName(name),
    generateFilename: () => storage.generateFilename(name),
    getValidName: () => storage.getValidName(name),
  };
}

/** `deleteMany([name])`'s one failure, as the error itself. */
function firstOfAggregate(err: unknown): never {
  throw err instanceof AggregateError && err.errors.length === 1 ? err.errors[0] : err;
}

/** Runs `name` through every call, in order; returns each call's outcome by method. */
export async function probe(calls: Record<string, () => Promise<unknown> | unknown>): Promise<Record<string, Outcome>> {
  const outcomes: Record<string, Outcome> = {};
  for (const [method, call] of Object.entries(calls)) outcomes[method] = await outcomeOf(call);
  return outcomes;
}

/** The calls that went wrong: any error but those `allowed` (none by default). */
export function unexpected(
  results: Record<string, Record<string, Outcome>>,
  allowed: (outcome: Exclude<Outcome, string>) => boolean = () => false,
): string[] {
  return Object.entries(results).flatMap(([label, outcomes]) =>
    Object.entries(outcomes)
      .filter(([, outcome]) => typeof outcome === 'object' && !allowed(outcome))
      .map(([method, outcome]) => `${label} → ${method}: ${(outcome as { error: string }).error}`),
  );
}

/** How many calls of each method were done, refused or missing. */
export function tally(results: Record<string, Record<string, Outcome>>): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const outcomes of Object.values(results)) {
    for (const [method, outcome] of Object.entries(outcomes)) {
      const kind = typeof outcome === 'string' ? outcome : (outcome.code ?? 'error');
      counts[method] ??= {};
      counts[method][kind] = (counts[method][kind] ?? 0) + 1;
    }
  }
  return counts;
}
