/**
 * Django's `staticfiles.json`, byte for byte as `ManifestFilesMixin.save_manifest` writes it:
 * `{"paths": {...}, "version": "1.1", "hash": "<12 hex>"}` through Python's `json.dumps`
 * (`", "` and `": "` separators, non-ASCII as `\uXXXX`), paths sorted by name, `hash` the
 * `file_hash` of `json.dumps(sorted(paths.items()))`. The same tree gives the same bytes, so an
 * unchanged manifest has an unchanged ETag.
 */
import { ValueError } from '../core/errors.js';
import { fileHash } from './hashed-name.js';

const MANIFEST_VERSION = '1.1';

export interface Manifest {
  paths: Record<string, string>;
  hash: string;
}

/** The manifest file's bytes for `paths` (collected name → hashed name). */
export function serializeManifest(paths: Map<string, string> | Record<string, string>): {
  content: Buffer;
  hash: string;
} {
  const sorted = [...(paths instanceof Map ? paths : Object.entries(paths))].sort(
    ([a, x], [b, y]) => compareCodePoints(a, b) || compareCodePoints(x, y),
  );
  const hash = fileHash(pyJsonDumps(sorted));
  // Maps, not objects: an object would put integer-like names ('404') first.
  const payload = new Map<string, unknown>([
    ['paths', new Map(sorted)],
    ['version', MANIFEST_VERSION],
    ['hash', hash],
  ]);
  return { content: Buffer.from(pyJsonDumps(payload), 'utf8'), hash };
}

/**
 * Django's `load_manifest`: versions 1.0 and 1.1 are read (1.0 has no hash); anything else,
 * or a file that is not JSON, is `ValueError("Couldn't load manifest '<name>' (version 1.1)")`.
 */
export function parseManifest(content: string, manifestName: string): Manifest {
  let stored: unknown;
  try {
    stored = JSON.parse(content);
  } catch {
    stored = undefined;
  }
  if (typeof stored === 'object' && stored !== null && !Array.isArray(stored)) {
    const { version, paths, hash } = stored as { version?: unknown; paths?: unknown; hash?: unknown };
    if (version === '1.0' || version === '1.1') {
      return { paths: (paths as Record<string, string>) ?? {}, hash: typeof hash === 'string' ? hash : '' };
    }
  }
  throw new ValueError(`Couldn't load manifest '${manifestName}' (version ${MANIFEST_VERSION})`);
}

/** Python's `json.dumps(value)` for strings, numbers, booleans, null, arrays, Maps and plain objects. */
function pyJsonDumps(value: unknown): string {
  if (typeof value === 'string') return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = value instanceof Map ? [...(value as Map<string, unknown>)] : Object.entries(value);
    return `{${entries.map(([key, item]) => `${pyJsonString(key)}: ${pyJsonDumps(item)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** `ensure_ascii`: everything outside printable ASCII as `\uXXXX` (lowercase, UTF-16 units). */
function pyJsonString(text: string): string {
  const escaped = text.replace(
    /[\\"]|[^\x20-\x7e]/g,
    (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"`;
}

/** Python's string order (by code point), which is UTF-8 byte order, not UTF-16's. */
function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
