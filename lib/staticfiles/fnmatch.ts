/**
 * Python's `fnmatch.fnmatchcase`, as Django's staticfiles `matches_patterns` uses it for the
 * post-processed types (`*.css`) and collectstatic's ignore patterns (`.*`, `*~`, `CVS`).
 * `*` crosses `/`, and case counts.
 */
const cache = new Map<string, RegExp>();

function fnmatchcase(name: string, pattern: string): boolean {
  let regex = cache.get(pattern);
  if (!regex) {
    regex = new RegExp(`^${translate(pattern)}$`, 's');
    cache.set(pattern, regex);
  }
  return regex.test(name);
}

/** Django's `matches_patterns(path, patterns)`. */
export function matchesPatterns(path: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => fnmatchcase(path, pattern));
}

/** `fnmatch.translate` without the anchors: `*`, `?`, `[seq]` and `[!seq]`. */
function translate(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      out += '.*';
      while (pattern[i + 1] === '*') i++;
    } else if (c === '?') {
      out += '.';
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        out += '\\[';
      } else {
        let set = pattern.slice(i + 1, j).replaceAll('\\', '\\\\');
        if (set.startsWith('!')) set = '^' + set.slice(1);
        else if (set.startsWith('^')) set = '\\' + set;
        out += `[${set}]`;
        i = j;
      }
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return out;
}
