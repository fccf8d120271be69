/**
 * Python's `mimetypes.guess_type(name)`: the content type and the content *encoding* a name
 * implies (`x.csv.gz` → `text/csv` + `gzip`). Types come from the `mime-types` package (the
 * mime-db table, as Python with the system's `/etc/mime.types`); suffix and encoding maps are
 * Python's own.
 */
import mime from 'mime-types';
import { splitext } from './posixpath.js';

const SUFFIX_MAP: Record<string, string> = {
  '.svgz': '.svg.gz',
  '.tgz': '.tar.gz',
  '.taz': '.tar.gz',
  '.tz': '.tar.gz',
  '.tbz2': '.tar.bz2',
  '.txz': '.tar.xz',
};

/** Case-sensitive, as in Python (`.Z` is compress, `.z` is not). */
const ENCODINGS_MAP: Record<string, string> = {
  '.gz': 'gzip',
  '.Z': 'compress',
  '.bz2': 'bzip2',
  '.xz': 'xz',
  '.br': 'br',
};

export function guessType(name: string): [type: string | undefined, encoding: string | undefined] {
  let [base, ext] = splitext(name);
  while (Object.hasOwn(SUFFIX_MAP, ext.toLowerCase())) {
    [base, ext] = splitext(base + SUFFIX_MAP[ext.toLowerCase()]);
  }
  let encoding: string | undefined;
  if (Object.hasOwn(ENCODINGS_MAP, ext)) {
    encoding = ENCODINGS_MAP[ext];
    ext = splitext(base)[1];
  }
  const type = ext ? mime.lookup(ext.toLowerCase()) : false;
  return [type || undefined, encoding];
}
