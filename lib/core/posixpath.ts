/**
 * Python's `posixpath`, ported exactly. Node's `path.posix` differs where it matters for safety:
 * `normalize` keeps trailing slashes and collapses `//a` to `/a`, and `join` never discards
 * its base for an absolute part, so `safe_join('media', '/etc/passwd')` would succeed.
 */

export function normpath(path: string): string {
  if (path === '') return '.';
  let initialSlashes = path.startsWith('/') ? 1 : 0;
  // POSIX keeps exactly two leading slashes, and reads three or more as one.
  if (initialSlashes && path.startsWith('//') && !path.startsWith('///')) initialSlashes = 2;
  const comps: string[] = [];
  for (const comp of path.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp !== '..' || (!initialSlashes && comps.length === 0) || comps.at(-1) === '..') {
      comps.push(comp);
    } else if (comps.length) {
      comps.pop();
    }
  }
  const joined = '/'.repeat(initialSlashes) + comps.join('/');
  return joined || '.';
}

/** `posixpath.join`: an absolute part discards everything before it. */
export function join(first: string, ...rest: string[]): string {
  let path = first;
  for (const part of rest) {
    if (part.startsWith('/')) path = part;
    else if (!path || path.endsWith('/')) path += part;
    else path += '/' + part;
  }
  return path;
}

/** `posixpath.split`: `[head, tail]`, the head without trailing slashes unless it is all slashes. */
export function split(path: string): [string, string] {
  const i = path.lastIndexOf('/') + 1;
  let head = path.slice(0, i);
  const tail = path.slice(i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return [head, tail];
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `posixpath.splitext`: the last extension only; leading dots belong to the root (`.bashrc`). */
export function splitext(path: string): [string, string] {
  const sepIndex = path.lastIndexOf('/');
  const dotIndex = path.lastIndexOf('.');
  if (dotIndex > sepIndex) {
    for (let i = sepIndex + 1; i < dotIndex; i++) {
      if (path[i] !== '.') return [path.slice(0, dotIndex), path.slice(dotIndex)];
    }
  }
  return [path, ''];
}

/** `pathlib.PurePosixPath(path).parts`, without the root. */
export function parts(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

export function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

/** `pathlib.PurePath(name).suffixes` of a file name: `archive.tar.gz` → `['.tar', '.gz']`. */
export function suffixes(fileName: string): string[] {
  if (fileName.endsWith('.')) return [];
  const stripped = fileName.replace(/^\.+/, '');
  return stripped
    .split('.')
    .slice(1)
    .map((suffix) => '.' + suffix);
}

/** `posixpath.relpath(path, start)` for the relative names S3 returns (rooted at `/`, not the cwd). */
export function relpath(path: string, start: string): string {
  // The common case (a listing): a plain path under a plain start that ends in '/' is what follows it.
  if ((start === '' || (start.endsWith('/') && isPlain(start.slice(0, -1)))) && path.startsWith(start)) {
    const rest = path.slice(start.length).replace(/\/$/, '');
    if (isPlain(rest)) return rest;
  }
  const startList = normpath('/' + start)
    .split('/')
    .filter(Boolean);
  const pathList = normpath('/' + path)
    .split('/')
    .filter(Boolean);
  let common = 0;
  while (common < startList.length && common < pathList.length && startList[common] === pathList[common]) common++;
  const rel = [...Array<string>(startList.length - common).fill('..'), ...pathList.slice(common)];
  return rel.length ? rel.join('/') : '.';
}

/** A relative path `normpath` leaves as it is: no empty, `.` or `..` segment, no slash at either end. */
export function isPlain(path: string): boolean {
  return path !== '' && !/\/\/|(?:^|\/)\.{1,2}(?:\/|$)|^\/|\/$/.test(path);
}
