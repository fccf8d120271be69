/**
 * Content types guessed from names as Python's `mimetypes.guess_type` does, encoding half
 * included (§4.2.3). The type table is mime-db's (through `mime-types`), like Python reading
 * the system's `/etc/mime.types`; the suffix and encoding maps are Python's own.
 */
import { guessType } from '../../lib/core/mimetypes.js';

test.each([
  ['a.txt', 'text/plain', undefined],
  ['a.css', 'text/css', undefined],
  ['a.svg', 'image/svg+xml', undefined],
  ['a.json', 'application/json', undefined],
  ['a.JPG', 'image/jpeg', undefined], // extensions are case-insensitive
  ['noext', undefined, undefined],
  ['a.gz', undefined, 'gzip'],
  ['a.tar.gz', 'application/x-tar', 'gzip'],
  ['a.csv.gz', 'text/csv', 'gzip'],
  ['a.bz2', undefined, 'bzip2'],
  ['a.xz', undefined, 'xz'],
  ['a.br', undefined, 'br'],
  ['a.Z', undefined, 'compress'],
  // encodings are case-sensitive, as in Python: '.z' is no encoding
  ['a.z', undefined, undefined],
  // Python's suffix map: .tgz is .tar.gz, .svgz is .svg.gz
  ['a.tgz', 'application/x-tar', 'gzip'],
  ['a.svgz', 'image/svg+xml', 'gzip'],
  ['dir.d/file', undefined, undefined],
  ['d/a.html', 'text/html', undefined],
  ['.bashrc', undefined, undefined],
])('guessType(%j) → [%j, %j]', (name, type, encoding) => {
  expect(guessType(name)).toEqual([type, encoding]);
});
