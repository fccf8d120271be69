/**
 * The few functions of Python's `urllib.parse` that Django's staticfiles hashing is written
 * with (`urlsplit`, `urlunsplit`, `urldefrag`, `unquote`), ported exactly: a reference such as
 * `font.eot?#iefix` must come out of the rewriting as it does in Django.
 */

export interface SplitResult {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

const SCHEME_CHARS = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
const USES_NETLOC = new Set([
  '',
  'ftp',
  'http',
  'gopher',
  'nntp',
  'telnet',
  'imap',
  'wais',
  'file',
  'mms',
  'https',
  'shttp',
  'snews',
  'prospero',
  'rtsp',
  'rtspu',
  'rsync',
  'svn',
  'svn+ssh',
  'sftp',
  'nfs',
  'git',
  'git+ssh',
  'ws',
  'wss',
]);

/** `urllib.parse.urlsplit(url)` (Python 3.11). */
export function urlsplit(url: string): SplitResult {
  // WHATWG: leading C0 controls and spaces go, and so do tabs and newlines anywhere.
  // eslint-disable-next-line no-control-regex -- these are the characters meant
  url = url.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  let netloc = '';
  let query = '';
  let fragment = '';
  const colon = url.indexOf(':');
  if (colon > 0 && SCHEME_CHARS.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    url = url.slice(colon + 1);
  }
  if (url.startsWith('//')) {
    let end = url.length;
    for (const delimiter of '/?#') {
      const at = url.indexOf(delimiter, 2);
      if (at >= 0) end = Math.min(end, at);
    }
    netloc = url.slice(2, end);
    url = url.slice(end);
  }
  const hash = url.indexOf('#');
  if (hash >= 0) [url, fragment] = [url.slice(0, hash), url.slice(hash + 1)];
  const question = url.indexOf('?');
  if (question >= 0) [url, query] = [url.slice(0, question), url.slice(question + 1)];
  return { scheme, netloc, path: url, query, fragment };
}

/** `urllib.parse.urlunsplit(parts)`: an empty query or fragment leaves no `?` or `#`. */
export function urlunsplit({ scheme, netloc, path, query, fragment }: SplitResult): string {
  let url = path;
  if (netloc || (scheme && USES_NETLOC.has(scheme) && !url.startsWith('//'))) {
    if (url && !url.startsWith('/')) url = '/' + url;
    url = '//' + netloc + url;
  }
  if (scheme) url = scheme + ':' + url;
  if (query) url += '?' + query;
  if (fragment) url += '#' + fragment;
  return url;
}

/** `urllib.parse.urldefrag(url)`: `[url without its fragment, fragment]`. */
export function urldefrag(url: string): [url: string, fragment: string] {
  if (!url.includes('#')) return [url, ''];
  const parts = urlsplit(url);
  const fragment = parts.fragment;
  return [urlunsplit({ ...parts, fragment: '' }), fragment];
}

/** `urllib.parse.unquote(text)`: `%XX` runs decoded as UTF-8, invalid bytes as U+FFFD, the rest kept. */
export function unquote(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'));
}

/** Python's whitespace (`str.isspace`), which is not JavaScript's `\s`: `\x1c`-`\x1f` are, U+FEFF is not. */
const PY_SPACE = '[\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');

/** `str.strip()`. */
export function pyStrip(text: string): string {
  return text.replace(PY_STRIP, '');
}
