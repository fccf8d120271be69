/**
 * Django's `collectstatic`, made for S3: the source tree is compared with one listing of the
 * storage (ETags against the MD5 of what would be stored), and only new or changed files are
 * uploaded, many at once. With a manifest storage (`S3ManifestStaticStorage`) each file is also
 * stored under its hashed name, CSS/JS references are rewritten, and `staticfiles.json` is
 * written last, so it never names a file that is not there yet.
 *
 * django-storages' collectstatic makes several requests per file (HEAD for the modified time,
 * then PUT, and with the manifest storage HEAD/GET/PUT again for each hashed copy). Here a run
 * over an unchanged tree makes one LIST request per 1,000 stored objects and nothing else.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { SuspiciousFileOperation } from '../core/errors.js';
import type { Storage } from '../core/storage.js';
import { hashedName } from './hashed-name.js';
import { isAdjustable } from './hashed-references.js';
import { serializeManifest } from './manifest-format.js';
import { postProcess, type SourceFile } from './post-process.js';
import { DEFAULT_IGNORE_PATTERNS, readSourceTree, type SourceEntry } from './source-tree.js';
import { StaticManifest } from './static-manifest.js';
import { fingerprint, isCurrent, listStored, type Fingerprint } from './stored-objects.js';

export interface CollectStaticOptions {
  /** Report what would be copied and deleted, and write nothing. */
  dryRun?: boolean;
  /**
   * Delete the files under the storage's `location` that this run did not collect (stale
   * files, old hashed copies), after the new files are stored. Django's `--clear` deletes
   * everything first and uploads it all again, leaving the site without its files meanwhile.
   */
  clear?: boolean;
  /** Uploads at once. Default 16. */
  concurrency?: number;
  /** Called as each file is settled. */
  onProgress?: (event: CollectStaticProgress) => void;
  /** Names not collected (fnmatch patterns on the base name and the relative path). Default Django's: 'CVS', '.*', '*~'. */
  ignorePatterns?: readonly string[];
}

export interface CollectStaticProgress {
  action: 'copied' | 'unchanged' | 'deleted';
  /** Name in the storage, relative to its `location`. */
  name: string;
  /** Bytes of the file's content (0 for a deletion). */
  bytes: number;
  /** Files settled so far, this one included. */
  done: number;
  /** Files to settle in this run: to copy, unchanged and to delete. */
  total: number;
}

export interface CollectStaticResult {
  /** Names stored by this run (with `dryRun`, that would be), sorted. */
  copied: string[];
  /** Names whose stored copy already had this content. */
  unchanged: string[];
  /** Names deleted by `clear`. */
  deleted: string[];
  /** Bytes of content of the copied files (before gzip). */
  bytes: number;
}

/** A file read whole into memory for hashing and upload; larger ones are streamed (twice). */
const IN_MEMORY_LIMIT = 8 * 1024 * 1024;
/** Bytes of read files kept from hashing to upload, rather than read again (a file read costs more than its PUT's CPU). */
const KEEP_LIMIT = 64 * 1024 * 1024;

interface Output {
  name: string;
  size: number;
  print: Fingerprint;
  open: () => Promise<Buffer | Readable>;
}

/**
 * Collects the files of `sourceDir` into `storage` (relative names kept, under the storage's
 * `location`). A file whose content is already stored under its name is not uploaded again.
 */
export async function collectStatic(
  storage: Storage,
  sourceDir: string,
  options: CollectStaticOptions = {},
): Promise<CollectStaticResult> {
  const { dryRun = false, clear = false, concurrency = 16, onProgress } = options;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer (got ${concurrency})`);
  }
  const manifest = manifestOf(storage);
  const tree = await readSourceTree(sourceDir, options.ignorePatterns ?? DEFAULT_IGNORE_PATTERNS);
  const [stored, plan] = await Promise.all([
    listStored(storage),
    planOutputs(storage, tree.files, tree.directories, manifest, concurrency),
  ]);

  const current = new Set<string>();
  await eachLimit(plan.outputs, concurrency, async (output) => {
    const object = stored.get(output.name);
    if (object && (await isCurrent(storage, output.name, object, output.print))) current.add(output.name);
  });
  const toCopy = plan.outputs.filter((output) => !current.has(output.name));
  const collected = new Set(plan.outputs.map((output) => output.name));
  const toDelete = clear ? [...stored.keys()].filter((name) => !collected.has(name)) : [];

  const total = plan.outputs.length + toDelete.length;
  let done = 0;
  const report = (action: CollectStaticProgress['action'], name: string, bytes: number) =>
    onProgress?.({ action, name, bytes, done: ++done, total });
  for (const output of plan.outputs) if (current.has(output.name)) report('unchanged', output.name, output.size);

  const copy = async (output: Output) => {
    if (!dryRun) {
      // Django deletes first too: a storage that does not overwrite would pick another name.
      if (!storage.fileOverwrite && stored.has(output.name)) await storage.delete(output.name);
      const saved = await storage.save(output.name, await output.open());
      if (saved !== output.name) {
        throw new SuspiciousFileOperation(`'${output.name}' was stored as '${saved}'`);
      }
    }
    report('copied', output.name, output.size);
  };
  // The manifest goes last: it must never name a hashed file that is not stored yet.
  const manifestOutput = toCopy.find((output) => output.name === manifest?.name);
  await eachLimit(
    toCopy.filter((output) => output !== manifestOutput),
    concurrency,
    copy,
  );
  if (manifestOutput) await copy(manifestOutput);
  // One DeleteObjects per 1,000 names on S3.
  if (!dryRun && toDelete.length) await storage.deleteMany(toDelete);
  for (const name of toDelete) report('deleted', name, 0);

  if (manifest && plan.manifest && !dryRun) manifest.set(plan.manifest.paths, plan.manifest.hash);
  return {
    copied: toCopy.map((output) => output.name).sort(),
    unchanged: [...current].sort(),
    deleted: toDelete.sort(),
    bytes: toCopy.reduce((sum, output) => sum + output.size, 0),
  };
}

function manifestOf(storage: Storage): StaticManifest | undefined {
  const manifest = (storage as { manifest?: unknown }).manifest;
  return manifest instanceof StaticManifest ? manifest : undefined;
}

/** The files to store: each source file, and with a manifest its hashed copy and the manifest. */
async function planOutputs(
  storage: Storage,
  files: SourceEntry[],
  directories: Set<string>,
  manifest: StaticManifest | undefined,
  concurrency: number,
): Promise<{ outputs: Output[]; manifest?: { paths: Map<string, string>; hash: string } }> {
  const outputs: Output[] = [];
  const sources: SourceFile[] = [];
  let kept = 0;
  await eachLimit(files, concurrency, async (file) => {
    // A stylesheet is rewritten from its text; anything else is only hashed.
    const adjustable = manifest !== undefined && isAdjustable(file.name);
    const content = adjustable || file.size <= IN_MEMORY_LIMIT ? await readFile(file.path) : undefined;
    const keep = content !== undefined && kept + content.length <= KEEP_LIMIT;
    if (keep) kept += content.length;
    const open = keep
      ? async () => content
      : content
        ? () => readFile(file.path)
        : async () => createReadStream(file.path);
    const print = await fingerprint(storage, file.name, content ?? (() => createReadStream(file.path)));
    outputs.push({ name: file.name, size: file.size, print, open });
    sources.push({ name: file.name, md5: print.md5, content: adjustable ? content : undefined });
    if (manifest && !adjustable) {
      // Same content, same type: the hashed copy is stored exactly as the original.
      outputs.push({ name: hashedName(file.name, print.md5.slice(0, 12)), size: file.size, print, open });
    }
  });
  if (!manifest) return { outputs };

  const { paths, rewritten } = postProcess(sources, storage.constructor.name, directories);
  await eachLimit([...rewritten], concurrency, async ([name, content]) => {
    const print = await fingerprint(storage, name, content);
    outputs.push({ name, size: content.length, print, open: async () => content });
  });
  const { content, hash } = serializeManifest(paths);
  outputs.push({
    name: manifest.name,
    size: content.length,
    print: await fingerprint(storage, manifest.name, content),
    open: async () => content,
  });
  return { outputs, manifest: { paths, hash } };
}

/** Runs `task` over `items`, `limit` at a time; the first failure stops new tasks and is thrown. */
async function eachLimit<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
