/**
 * Django's `HashedFilesMixin.patterns` and `url_converter`: the references a CSS or JavaScript
 * file makes to other static files (`url(...)`, `@import`, source maps), and their rewriting
 * to hashed names. Absolute URLs (`http:`, `data:`, `/path`) and fragment-only references are
 * left as they are; the fragment and query of a reference are kept.
 */
import * as posixpath from '../core/posixpath.js';
import { matchesPatterns } from './fnmatch.js';
import { unquote, urldefrag, urlsplit } from './python-url.js';

interface ReferencePattern {
  regex: RegExp;
  /** What a reference becomes, given its rewritten URL. */
  template: (url: string) => string;
}

const urlTemplate = (url: string) => `url("${url}")`;

/**
 * Django's patterns, by file type. Python's `.` is `[^\n]` here (JavaScript's also stops at
 * `\r`), and its multiline `^`/`$` are lookarounds on `\n` only, so CRLF files match as in Django.
 * The source-map patterns are case-sensitive, as Django's `(?-i:sourceMappingURL)`.
 */
const PATTERNS: [glob: string, patterns: ReferencePattern[]][] = [
  [
    '*.css',
    [
      { regex: /(?<matched>url\(['"]{0,1}\s*(?<url>[^\n]*?)["']{0,1}\))/gi, template: urlTemplate },
      { regex: /(?<matched>@import\s*["']\s*(?<url>[^\n]*?)["'])/gi, template: (url) => `@import url("${url}")` },
      {
        regex: /(?<=^|\n)(?<matched>\/\*#[ \t]sourceMappingURL=(?<url>[^\n]*)[ \t]*\*\/)(?=\n|$)/g,
        template: (url) => `/*# sourceMappingURL=${url} */`,
      },
    ],
  ],
  [
    '*.js',
    [
      {
        regex: /(?<=^|\n)(?<matched>\/\/# sourceMappingURL=(?<url>[^\n]*))(?=\n|$)/g,
        template: (url) => `//# sourceMappingURL=${url}`,
      },
    ],
  ],
];

/** The file types whose references are rewritten (Django's adjustable paths). */
const ADJUSTABLE_PATTERNS = PATTERNS.map(([glob]) => glob);

export function isAdjustable(name: string): boolean {
  return matchesPatterns(name, ADJUSTABLE_PATTERNS);
}

/**
 * Maps the target of a reference (a static file name, already joined to the referring file's
 * directory and unquoted, as Django's `_stored_name` gets it) to the name to link to.
 */
export type ResolveTarget = (target: string) => string;

/**
 * Rewrites every reference in `content` of the file `name` with `resolve`, as Django's
 * `post_process` does with each pattern in turn.
 */
export function rewriteReferences(name: string, content: string, resolve: ResolveTarget): string {
  for (const [glob, patterns] of PATTERNS) {
    if (!matchesPatterns(name, [glob])) continue;
    for (const { regex, template } of patterns) {
      content = content.replace(regex, (...args) => {
        const groups = args.at(-1) as { matched: string; url: string };
        return convert(name, groups.matched, groups.url, template, resolve);
      });
    }
  }
  return content;
}

/** The targets `content` of the file `name` refers to, in the form `resolve` receives them. */
export function referencedTargets(name: string, content: string): string[] {
  const targets: string[] = [];
  rewriteReferences(name, content, (target) => {
    targets.push(target);
    return target;
  });
  return targets;
}

/** Django's `url_converter(name, hashed_files, template)` for one match. */
function convert(
  name: string,
  matched: string,
  url: string,
  template: (url: string) => string,
  resolve: ResolveTarget,
): string {
  // Absolute, protocol-relative and data URIs (case-sensitive, as in Django).
  if (/^[a-z]+:/.test(url)) return matched;
  // Django rewrites absolute paths only under STATIC_URL; a storage has no STATIC_URL of its
  // own (its URLs are S3's or the custom domain's), so an absolute path is never one of ours.
  if (url.startsWith('/')) return matched;
  const [urlPath, fragment] = urldefrag(url);
  if (!urlPath) return matched;

  const target = unquote(posixpath.join(posixpath.split(name)[0], urlPath));
  const hashedUrl = storedUrl(target, resolve);
  let transformed = [...urlPath.split('/').slice(0, -1), hashedUrl.split('/').at(-1)].join('/');
  if (fragment) transformed += (url.includes('?#') ? '?#' : '#') + fragment;
  return template(unquote(transformed));
}

/**
 * Django's `_url(_stored_name, target, force=True)` as far as a relative link needs it: the
 * hashed name, with a fragment or the `?#` hack that the (unquoted) target itself carries.
 */
function storedUrl(target: string, resolve: ResolveTarget): string {
  const [cleanTarget, fragment] = urldefrag(target);
  // Directories are linked as they are.
  if (urlsplit(cleanTarget).path.endsWith('/')) return target;
  let url = resolve(posixpath.normpath(cleanTarget));
  if (target.includes('?#')) url += '?';
  if (fragment) url += '#' + fragment;
  return unquote(url);
}
