/**
 * Django's `HashedFilesMixin.post_process` over the collected files, in memory: every file gets
 * its hashed name (`name.<md5[:12]>.ext`), and CSS/JS files their references rewritten to the
 * hashed names of what they refer to, then are hashed from the rewritten content.
 *
 * Django repeats passes over all adjustable files until no name changes
 * (`max_post_process_passes = 5`), so a chain of `@import`s deeper than that fails. Here each
 * file is rewritten once, after the files it refers to (dependency order): any depth works,
 * and the result is Django's fixed point. Circular references have no fixed point; Django
 * fails with "Max post-process passes exceeded.", and so does this, naming the cycle.
 */
import { ValueError } from '../core/errors.js';
import { cleanHashName, fileHash, hashedName } from './hashed-name.js';
import { isAdjustable, referencedTargets, rewriteReferences } from './hashed-references.js';

export interface SourceFile {
  /** The name the file is collected under (`css/app.css`). */
  name: string;
  /** MD5 of the content, hex. */
  md5: string;
  /** The content; needed for adjustable (CSS, JS) files only. */
  content?: Buffer;
}

export interface PostProcessed {
  /** Django's `hashed_files`: each collected name → its hashed name, the manifest's `paths`. */
  paths: Map<string, string>;
  /** The rewritten content of each adjustable file, by hashed name. */
  rewritten: Map<string, Buffer>;
}

/**
 * Hashed names of `files` and the rewritten content of the adjustable ones. `directories` are
 * the directories of the tree: a reference to one is kept as it is, as Django does.
 * `storageName` names the storage in Django's "could not be found with" errors.
 */
export function postProcess(files: SourceFile[], storageName: string, directories = new Set<string>()): PostProcessed {
  const byName = new Map(files.map((file) => [file.name, file]));
  const hashes = new Map<string, string>();
  const paths = new Map<string, string>();
  const rewritten = new Map<string, Buffer>();
  const texts = new Map<string, string>();
  const problems: string[] = [];

  for (const file of files) {
    if (!isAdjustable(file.name)) {
      hashes.set(file.name, file.md5.slice(0, 12));
      paths.set(file.name, hashedName(file.name, hashes.get(file.name)!));
      continue;
    }
    try {
      // Python's decode('utf-8'): strict, and a BOM is kept as U+FEFF.
      texts.set(file.name, new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file.content));
    } catch {
      problems.push(`'${file.name}' is not UTF-8 text, so its references cannot be rewritten`);
    }
  }

  // Each adjustable file's references, checked: a target must be a file of the tree (or a directory).
  const dependencies = new Map<string, string[]>();
  for (const [name, text] of texts) {
    const adjustable: string[] = [];
    for (const target of referencedTargets(name, text)) {
      const path = cleanHashName(target);
      if (texts.has(path)) adjustable.push(path);
      else if (!byName.has(path) && !directories.has(path.replace(/\/$/, ''))) {
        problems.push(`The file '${path}' could not be found with ${storageName}. ('${name}' refers to it.)`);
      }
    }
    dependencies.set(name, adjustable);
  }
  const order = dependencyOrder(dependencies, problems);
  if (problems.length) throw new ValueError([...new Set(problems)].join('\n'));

  const resolve = (target: string): string => {
    const path = cleanHashName(target);
    if (!byName.has(path)) return target; // a directory
    // Django looks a target up with its query and, missing it, hashes the *original* content
    // (a broken link for a CSS file); the query is kept here on the final hashed name instead.
    return target === path ? paths.get(path)! : hashedName(target, hashes.get(path)!);
  };
  for (const name of order) {
    const content = Buffer.from(rewriteReferences(name, texts.get(name)!, resolve), 'utf8');
    hashes.set(name, fileHash(content));
    const hashed = hashedName(name, hashes.get(name)!);
    paths.set(name, hashed);
    rewritten.set(hashed, content);
  }
  return { paths, rewritten };
}

/** Each file after the files it depends on; a cycle is a problem, reported with its files. */
function dependencyOrder(dependencies: Map<string, string[]>, problems: string[]): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name].join(' -> ');
      problems.push(`Max post-process passes exceeded: circular references ${cycle}`);
      return;
    }
    state.set(name, 'visiting');
    for (const dependency of dependencies.get(name)!) visit(dependency, [...trail, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of dependencies.keys()) visit(name, []);
  return order;
}
