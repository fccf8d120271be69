/**
 * Django's `HashedFilesMixin.file_hash` and `hashed_name`: a file's name with the first 12 hex
 * digits of the MD5 of its content before the extension (`css/app.css` →
 * `css/app.3b5d0c9ea8f1.css`; `LICENSE` → `LICENSE.<hash>`).
 */
import { createHash } from 'node:crypto';
import * as posixpath from '../core/posixpath.js';
import { pyStrip, unquote, urlsplit, urlunsplit } from './python-url.js';

/** `file_hash`: the first 12 hex digits of the MD5 of the content. */
export function fileHash(content: Buffer | string): string {
  return createHash('md5').update(content).digest('hex').slice(0, 12);
}

/** The path of a name as Django's hashing reads it: unquoted, without query and fragment, stripped. */
export function cleanHashName(name: string): string {
  return pyStrip(urlsplit(unquote(name)).path);
}

/**
 * `hashed_name(name, content)`: `name` with `.<hash>` inserted before its (last) extension; a
 * query in `name` is kept, and `?#` (the `@font-face` hack `font.eot?#iefix`) too.
 */
export function hashedName(name: string, hash: string): string {
  const parsed = urlsplit(unquote(name));
  const [directory, filename] = posixpath.split(pyStrip(parsed.path));
  const [root, ext] = posixpath.splitext(filename);
  parsed.path = posixpath.join(directory, `${root}${hash ? `.${hash}` : ''}${ext}`);
  if (name.includes('?#') && !parsed.query) parsed.path += '?';
  return urlunsplit(parsed);
}
