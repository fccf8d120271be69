/**
 * The files collectstatic collects: every file under the source directory, named by its path
 * relative to it with `/` separators, except what the ignore patterns match (Django's
 * `get_files`: a pattern is matched against the base name and the relative path).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { matchesPatterns } from './fnmatch.js';

/** Django's default `ignore_patterns` of collectstatic: version-control folders, dot files, backups. */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = ['CVS', '.*', '*~'];

export interface SourceEntry {
  /** Relative name, `/`-separated. */
  name: string;
  /** Path on disk. */
  path: string;
  size: number;
}

export interface SourceTree {
  /** Sorted by name. */
  files: SourceEntry[];
  /** Relative names of the directories, for references to a directory. */
  directories: Set<string>;
}

export async function readSourceTree(root: string, ignorePatterns: readonly string[]): Promise<SourceTree> {
  const files: SourceEntry[] = [];
  const directories = new Set<string>();
  const ignored = (base: string, name: string) =>
    matchesPatterns(base, ignorePatterns) || matchesPatterns(name, ignorePatterns);

  const walk = async (directory: string, prefix: string): Promise<void> => {
    const entries = await readdir(directory, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const name = prefix + entry.name;
        if (ignored(entry.name, name)) return;
        const path = join(directory, entry.name);
        // stat, not the entry's type: symbolic links are followed, as Django's finders do.
        const info = await stat(path);
        if (info.isDirectory()) {
          directories.add(name);
          await walk(path, name + '/');
        } else if (info.isFile()) {
          files.push({ name, path, size: info.size });
        }
      }),
    );
  };

  const rootInfo = await stat(root).catch(() => undefined);
  if (!rootInfo?.isDirectory()) throw new Error(`The source directory '${root}' does not exist or is not a directory`);
  await walk(root, '');
  files.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  return { files, directories };
}
