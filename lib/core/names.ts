/**
 * The backend-neutral name rules of Django and django-storages, exactly as they behave
 * (`storages.utils.clean_name`/`safe_join`, Django's `validate_file_name`, `get_valid_filename`
 * and the overwrite path of `get_available_name`). Every backend goes through these.
 */
import { randomInt } from 'node:crypto';
import * as posixpath from './posixpath.js';
import { SuspiciousFileOperation } from './errors.js';

/** Python's `len()`: code points, not UTF-16 units. */
export function pyLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Python's `value[:-n]` on code points (`n >= 1`). */
function dropLast(value: string, n: number): string {
  const chars = [...value];
  return chars.slice(0, Math.max(0, chars.length - n)).join('');
}

/**
 * `storages.utils.clean_name`: POSIX-normalise, then turn backslashes into slashes (in that order,
 * so `a\..\b` stays `a/../b`), keep a trailing slash, and call `.` the empty name. Unlike
 * django-storages, a name with a control character or that is not valid Unicode is refused
 * (see `checkNameCharacters`).
 */
export function cleanName(name: string): string {
  name = String(name);
  checkNameCharacters(name);
  if (isPlain(name)) return name;
  let cleaned = posixpath.normpath(name).replaceAll('\\', '/');
  if (name.endsWith('/') && !cleaned.endsWith('/')) cleaned += '/';
  return cleaned === '.' ? '' : cleaned;
}

/**
 * A relative name every rule above leaves as it is (`normpath` changes nothing, and there is no
 * backslash), so cleaning and joining it is a string concatenation: the fast path of the common
 * case, giving exactly what the full rules give.
 */
function isPlain(name: string): boolean {
  return !name.includes('\\') && posixpath.isPlain(name);
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /\p{Surrogate}/u;
/** Either of the above, or a paired surrogate: one scan of the common name, which has none. */
// eslint-disable-next-line no-control-regex -- as above
const SUSPECT_CHARACTER = /[\u0000-\u001f\u007f\ud800-\udfff]/;

/**
 * Refuses a name holding a C0 control character or DEL (U+0000 to U+001F, U+007F), or an
 * unpaired UTF-16 surrogate. S3's XML listings cannot carry the controls (NUL is not XML at
 * all; a CR comes back as LF), filesystems refuse NUL, and a lone surrogate has no UTF-8 form:
 * such a name could be written but not listed, or read back as another name. Refused up front,
 * on every backend, as `SuspiciousFileOperation`.
 */
function checkNameCharacters(name: string): void {
  if (!SUSPECT_CHARACTER.test(name)) return;
  const control = CONTROL_CHARACTER.exec(name);
  if (control) {
    throw new SuspiciousFileOperation(
      `File name ${JSON.stringify(name)} contains the control character ${codePoint(control[0])}; ` +
        'names cannot hold control characters (U+0000 to U+001F, U+007F)',
    );
  }
  const surrogate = LONE_SURROGATE.exec(name);
  if (surrogate) {
    throw new SuspiciousFileOperation(
      `File name ${JSON.stringify(name)} is not valid Unicode: it holds the unpaired surrogate ${codePoint(surrogate[0])}`,
    );
  }
}

function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * `storages.utils.safe_join`: join `paths` under `base` and refuse a result outside it.
 * With an empty base everything is clamped into the root; otherwise an escape throws.
 */
export function safeJoin(base: string, ...paths: string[]): string {
  const basePath = base.endsWith('/') ? base.replace(/\/+$/, '') : base;
  if (paths.length === 1 && isPlain(paths[0]) && (basePath === '' || isPlain(basePath))) {
    return basePath ? `${basePath}/${paths[0]}` : paths[0];
  }
  let finalPath = basePath + '/';
  for (const path of paths) {
    let joined = posixpath.normpath(posixpath.join(finalPath, path));
    // normpath strips the trailing slash; a directory name keeps it.
    if (path.endsWith('/') || joined + '/' === finalPath) joined += '/';
    finalPath = joined;
  }
  if (finalPath === basePath) finalPath += '/';
  if (!finalPath.startsWith(basePath) || finalPath[basePath.length] !== '/') {
    throw new RangeError('the joined path is located outside of the base path component');
  }
  return finalPath.replace(/^\/+/, '');
}

/**
 * Django's `validate_file_name`: a name must name a file, and (with relative paths allowed)
 * must not be absolute or climb with `..`, backslashes counted as separators.
 */
export function validateFileName(name: string, allowRelativePath = false): string {
  const base = posixpath.basename(name);
  if (base === '' || base === '.' || base === '..') {
    throw new SuspiciousFileOperation(`Could not derive file name from '${name}'`);
  }
  if (allowRelativePath) {
    const path = name.replaceAll('\\', '/');
    if (posixpath.isAbsolute(path) || posixpath.parts(path).includes('..')) {
      throw new SuspiciousFileOperation(`Detected path traversal attempt in '${name}'`);
    }
  } else if (name !== base) {
    throw new SuspiciousFileOperation(`File name '${name}' includes path elements`);
  }
  return name;
}

/** Refuses a directory part that climbs with `..`, as Django's name methods do. */
export function checkDirName(dirName: string): void {
  if (posixpath.parts(dirName).includes('..')) {
    throw new SuspiciousFileOperation(`Detected path traversal attempt in '${dirName}'`);
  }
}

/**
 * The whitespace of Python's `str.strip()` (`str.isspace()`): JavaScript's `trim()` differs on
 * U+001C–U+001F and U+0085 (Python strips them) and U+FEFF (Python keeps it).
 */
const PY_STRIP =
  // eslint-disable-next-line no-control-regex -- U+001C–U+001F are whitespace to Python
  /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** Python's `str.strip()` with no argument. */
function pyStrip(text: string): string {
  return text.replace(PY_STRIP, '');
}

/**
 * Django's `get_valid_filename`: spaces become underscores and anything but letters, digits,
 * `_`, `-` and `.` is dropped (`"my file (1).jpg"` → `"my_file_1.jpg"`; accents are kept).
 */
export function getValidFilename(name: string): string {
  const valid = pyStrip(String(name))
    .replaceAll(' ', '_')
    .replace(/[^-\p{L}\p{N}_.]/gu, '');
  if (valid === '' || valid === '.' || valid === '..') {
    throw new SuspiciousFileOperation(`Could not derive file name from '${name}'`);
  }
  return valid;
}

/**
 * `storages.utils.get_available_overwrite_name` (the CVE-2024-39330 hardening): the name is kept,
 * only truncated (before its last extension) to `maxLength` characters.
 */
export function getAvailableOverwriteName(name: string, maxLength?: number): string {
  const [dirName, fileName] = posixpath.split(name);
  checkDirName(dirName);
  validateFileName(fileName, true);
  if (maxLength === undefined || maxLength === null || pyLength(name) <= maxLength) return name;

  const [fileRoot, fileExt] = posixpath.splitext(fileName);
  const truncated = dropLast(fileRoot, pyLength(name) - maxLength);
  if (!truncated) {
    throw new SuspiciousFileOperation(
      `Storage tried to truncate away entire filename "${name}". ` +
        'Please make sure that the corresponding file field allows sufficient "max_length".',
    );
  }
  const result = posixpath.join(dirName, truncated + fileExt);
  validateFileName(result, true);
  return result;
}

const RANDOM_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Django's `get_random_string`: cryptographically random, from `[a-zA-Z0-9]`. */
export function getRandomString(length: number): string {
  let value = '';
  for (let i = 0; i < length; i++) value += RANDOM_CHARS[randomInt(RANDOM_CHARS.length)];
  return value;
}

/**
 * The candidates Django's `get_available_name` tries after `name` itself: `root_XXXXXXX.ext`
 * with every suffix kept together (`archive_XXXXXXX.tar.gz`), the root shortened to fit
 * `maxLength`. Backends call `next()` until a candidate is free.
 */
export function* alternativeNames(name: string, maxLength?: number): Generator<string, never> {
  const [dirName, fileName] = posixpath.split(name);
  const fileExt = posixpath.suffixes(fileName).join('');
  let fileRoot = fileName.slice(0, fileName.length - fileExt.length);
  for (;;) {
    let candidate = posixpath.join(dirName, `${fileRoot}_${getRandomString(7)}${fileExt}`);
    if (maxLength !== undefined && maxLength !== null) {
      const truncation = pyLength(candidate) - maxLength;
      if (truncation > 0) {
        fileRoot = dropLast(fileRoot, truncation);
        if (!fileRoot) {
          throw new SuspiciousFileOperation(
            `Storage can not find an available filename for "${candidate}". ` +
              'Please make sure that the corresponding file field allows sufficient "max_length".',
          );
        }
        candidate = posixpath.join(dirName, `${fileRoot}_${getRandomString(7)}${fileExt}`);
      }
    }
    yield candidate;
  }
}

/**
 * Django's `filepath_to_uri`: percent-encode a path for a URL, keeping `/` and `~!*()'`
 * (the same set as `encodeURIComponent`, applied per segment).
 */
export function filepathToUri(path: string): string {
  // Only a '/' encodes to '%2F' (a '%' becomes '%25'), so restoring them keeps every separator.
  return encodeURIComponent(path.replaceAll('\\', '/')).replaceAll('%2F', '/');
}

/**
 * Django's `FileSystemStorage.url` for local backends: the name as a URI path under `baseUrl`
 * (Django's `MEDIA_URL`, '' by default, so a relative URL such as 'a/b.txt').
 */
export function urlUnder(baseUrl: string, name: string): string {
  return baseUrl + filepathToUri(cleanName(name)).replace(/^\/+/, '');
}

/** A `base_url` as Django keeps it: ending in '/' when given, '' (MEDIA_URL's default) when not. */
export function normalizeBaseUrl(baseUrl: string | undefined): string {
  if (baseUrl === undefined) return '';
  return baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
}

/** Python's `quote_plus(str(value), safe='')`: only `A-Za-z0-9_.-~` stay, a space becomes `+`. */
export function quotePlus(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replaceAll('%20', '+');
}

/** Python's `urllib.parse.urlencode(params)`, insertion order kept (not `URLSearchParams`). */
export function urlencode(params: Record<string, string | number | boolean>): string {
  return Object.entries(params)
    .map(([key, value]) => `${quotePlus(key)}=${quotePlus(String(value))}`)
    .join('&');
}
