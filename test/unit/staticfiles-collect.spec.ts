/**
 * collectStatic and the manifest on InMemoryStorage: what is copied, skipped, deleted and
 * reported, without a network. The S3 side (ETags, request counts) is test/integration.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import {
  collectStatic,
  FileSystemStorage,
  InMemoryStorage,
  StaticManifest,
  ValueError,
  type CollectStaticProgress,
  type ReadRange,
} from '../../lib/index.js';
import { fileHash } from '../../lib/staticfiles/hashed-name.js';

/** InMemoryStorage with Django's manifest, as ManifestFilesMixin would make it; reads are counted. */
class ManifestMemoryStorage extends InMemoryStorage {
  readonly manifest: StaticManifest;
  reads: string[] = [];

  constructor(strict = true) {
    super({ fileOverwrite: true, baseUrl: '/static/' });
    this.manifest = new StaticManifest(this, { strict });
  }

  override createReadStream(name: string, range?: ReadRange): Promise<Readable> {
    this.reads.push(name);
    return super.createReadStream(name, range);
  }

  override async url(name: string): Promise<string> {
    return super.url(await this.manifest.storedName(name));
  }
}

let source: string;

async function tree(files: Record<string, string>): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(source, name)), { recursive: true });
    await writeFile(join(source, name), content);
  }
  return source;
}

const h = (content: string) => fileHash(content);

beforeEach(async () => {
  source = await mkdtemp(join(tmpdir(), 'collectstatic-'));
});
afterEach(() => rm(source, { recursive: true, force: true }));

describe('collectStatic on a plain storage', () => {
  it('copies the tree, then skips what is unchanged, and reports progress', async () => {
    const storage = new InMemoryStorage({ fileOverwrite: true, location: 'static' });
    await tree({ 'app.js': 'x()', 'css/site.css': 'body{}', 'img/a/b.png': 'png' });
    const events: CollectStaticProgress[] = [];
    const first = await collectStatic(storage, source, { onProgress: (event) => events.push(event) });
    expect(first).toEqual({
      copied: ['app.js', 'css/site.css', 'img/a/b.png'],
      unchanged: [],
      deleted: [],
      bytes: 3 + 6 + 3,
    });
    expect(events.map((e) => [e.action, e.done, e.total])).toEqual([
      ['copied', 1, 3],
      ['copied', 2, 3],
      ['copied', 3, 3],
    ]);
    expect((await storage.createReadStream('css/site.css')).read().toString()).toBe('body{}');

    await writeFile(join(source, 'app.js'), 'y()');
    const second = await collectStatic(storage, source);
    expect(second).toEqual({ copied: ['app.js'], unchanged: ['css/site.css', 'img/a/b.png'], deleted: [], bytes: 3 });
  });

  it('works into a FileSystemStorage and an InMemoryStorage through scan(): only changes are stored again', async () => {
    const target = await mkdtemp(join(tmpdir(), 'collected-'));
    try {
      const memory = new ManifestMemoryStorage();
      const plain = new InMemoryStorage({ fileOverwrite: true });
      const disk = new FileSystemStorage({ location: target });
      await tree({ 'app.js': 'x()', 'css/site.css': 'body{}', 'img/a/b.png': 'png' });
      for (const storage of [plain, disk]) {
        expect((await collectStatic(storage, source)).copied).toEqual(['app.js', 'css/site.css', 'img/a/b.png']);
      }
      await writeFile(join(source, 'app.js'), 'y()');
      await rm(join(source, 'img'), { recursive: true });
      for (const storage of [plain, disk]) {
        expect(await collectStatic(storage, source, { clear: true })).toEqual({
          copied: ['app.js'],
          unchanged: ['css/site.css'],
          deleted: ['img/a/b.png'],
          bytes: 3,
        });
        expect(await storage.exists('img/a/b.png')).toBe(false);
        expect(Buffer.concat(await (await storage.createReadStream('app.js')).toArray()).toString()).toBe('y()');
      }
      // The in-memory storage's ETags are MD5s (its storedForm says so): nothing is read back to compare.
      await collectStatic(memory, source);
      memory.reads = [];
      expect((await collectStatic(memory, source)).copied).toEqual([]);
      expect(memory.reads).toEqual([]);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });

  it("ignores Django's default patterns (dot files, backups, CVS) and given ones", async () => {
    const storage = new InMemoryStorage({ fileOverwrite: true });
    await tree({ 'a.js': '1', '.env': 's', 'b.js~': '2', 'CVS/x': '3', '.git/config': '4', 'map/a.js.map': '5' });
    expect((await collectStatic(storage, source)).copied).toEqual(['a.js', 'map/a.js.map']);
    const again = new InMemoryStorage({ fileOverwrite: true });
    expect((await collectStatic(again, source, { ignorePatterns: ['*.map'] })).copied).toEqual([
      '.env',
      '.git/config',
      'CVS/x',
      'a.js',
      'b.js~',
    ]);
  });

  it('dry run reports and writes nothing', async () => {
    const storage = new InMemoryStorage({ fileOverwrite: true });
    await storage.save('stale.js', 'old');
    await tree({ 'a.js': '1' });
    const result = await collectStatic(storage, source, { dryRun: true, clear: true });
    expect(result).toEqual({ copied: ['a.js'], unchanged: [], deleted: ['stale.js'], bytes: 1 });
    expect(await storage.exists('a.js')).toBe(false);
    expect(await storage.exists('stale.js')).toBe(true);
  });

  it('clear deletes what the tree no longer has, only under the location', async () => {
    const storage = new InMemoryStorage({ fileOverwrite: true, location: 'static' });
    const outside = new InMemoryStorage({ fileOverwrite: true });
    await storage.save('old/gone.js', 'old');
    await tree({ 'a.js': '1' });
    const result = await collectStatic(storage, source, { clear: true });
    expect(result.deleted).toEqual(['old/gone.js']);
    expect(await storage.exists('old/gone.js')).toBe(false);
    expect(await storage.exists('a.js')).toBe(true);
    expect(await outside.listdir('')).toEqual([[], []]);
  });

  it('replaces an existing file on a storage that does not overwrite, as Django deletes first', async () => {
    const storage = new InMemoryStorage({ fileOverwrite: false });
    await storage.save('a.js', 'old');
    await tree({ 'a.js': 'new' });
    expect((await collectStatic(storage, source)).copied).toEqual(['a.js']);
    expect(await storage.listdir('')).toEqual([[], ['a.js']]);
    expect((await storage.createReadStream('a.js')).read().toString()).toBe('new');
  });

  it('refuses a bad concurrency and a missing directory', async () => {
    const storage = new InMemoryStorage();
    await expect(collectStatic(storage, source, { concurrency: 0 })).rejects.toThrow(RangeError);
    await expect(collectStatic(storage, join(source, 'nope'))).rejects.toThrow('does not exist');
  });
});

describe('collectStatic with a manifest', () => {
  const files = {
    'img/logo.png': 'PNG',
    'css/site.css': '@import "base.css";\n.logo{background:url(../img/logo.png)}',
    'css/base.css': 'body{margin:0}',
  };

  it('stores originals, hashed copies (CSS rewritten) and staticfiles.json last', async () => {
    const storage = new ManifestMemoryStorage();
    await tree(files);
    const events: string[] = [];
    const result = await collectStatic(storage, source, { onProgress: (e) => events.push(e.name) });

    const base = `css/base.${h('body{margin:0}')}.css`;
    const logo = `img/logo.${h('PNG')}.png`;
    const site = `@import url("base.${h('body{margin:0}')}.css");\n.logo{background:url("../img/logo.${h('PNG')}.png")}`;
    const paths = { 'css/base.css': base, 'css/site.css': `css/site.${h(site)}.css`, 'img/logo.png': logo };
    expect(result.copied).toEqual([...Object.keys(files), ...Object.values(paths), 'staticfiles.json'].sort());
    expect(events.at(-1)).toBe('staticfiles.json');
    expect((await storage.createReadStream(paths['css/site.css'])).read().toString()).toBe(site);
    expect((await storage.createReadStream('css/site.css')).read().toString()).toBe(files['css/site.css']);

    const manifest = JSON.parse((await storage.createReadStream('staticfiles.json')).read().toString());
    expect(manifest).toEqual({ paths, version: '1.1', hash: expect.stringMatching(/^[0-9a-f]{12}$/) });

    // The storage links to the new names at once, without reading the manifest back.
    storage.reads = [];
    expect(await storage.url('css/site.css')).toBe(`/static/${paths['css/site.css']}`);
    expect(storage.reads).toEqual([]);
  });

  it('a second run over the same tree copies nothing; a changed image re-hashes the CSS that uses it', async () => {
    const storage = new ManifestMemoryStorage();
    await tree(files);
    await collectStatic(storage, source);
    expect((await collectStatic(storage, source)).copied).toEqual([]);

    await writeFile(join(source, 'img/logo.png'), 'PNG2');
    const result = await collectStatic(storage, source, { clear: true });
    const copied = result.copied;
    expect(copied).toContain('img/logo.png');
    expect(copied).toContain(`img/logo.${h('PNG2')}.png`);
    expect(copied.filter((name) => name.startsWith('css/site.')).length).toBe(1);
    expect(copied).toContain('staticfiles.json');
    expect(copied).not.toContain('css/base.css');
    // clear removes the previous hashed copies.
    expect(result.deleted).toEqual([
      expect.stringMatching(/^css\/site\.[0-9a-f]{12}\.css$/),
      `img/logo.${h('PNG')}.png`,
    ]);
  });
});

describe('StaticManifest', () => {
  it('reads nothing until asked, then reads the manifest once', async () => {
    const writer = new ManifestMemoryStorage();
    await tree({ 'a.css': 'a{}' });
    await collectStatic(writer, source);

    const reader = new ManifestMemoryStorage();
    // Same files, fresh manifest state (another process).
    for (const name of ['staticfiles.json', `a.${h('a{}')}.css`]) {
      await reader.save(name, (await writer.createReadStream(name)).read());
    }
    reader.reads = [];
    expect(reader.reads).toEqual([]);
    expect(await reader.url('a.css')).toBe(`/static/a.${h('a{}')}.css`);
    expect(await reader.manifest.storedName('a.css?v=2')).toBe(`a.${h('a{}')}.css?v=2`);
    expect(await reader.manifest.storedName('a.css?#iefix')).toBe(`a.${h('a{}')}.css?#iefix`);
    expect(reader.reads).toEqual(['staticfiles.json']);
    expect(reader.manifest.hash).toMatch(/^[0-9a-f]{12}$/);
  });

  it("strict: a name missing from the manifest is Django's ValueError", async () => {
    const storage = new ManifestMemoryStorage();
    await expect(storage.url('css/missing.css')).rejects.toThrow(
      new ValueError("Missing staticfiles manifest entry for 'css/missing.css'"),
    );
    await expect(storage.url('css/missing.css')).rejects.toBeInstanceOf(ValueError);
  });

  it('not strict: a missing name is hashed from the stored file, once', async () => {
    const storage = new ManifestMemoryStorage(false);
    await storage.save('js/extra.js', 'extra()');
    expect(await storage.url('js/extra.js')).toBe(`/static/js/extra.${h('extra()')}.js`);
    expect(await storage.url('js/extra.js')).toBe(`/static/js/extra.${h('extra()')}.js`);
    expect(storage.reads.filter((name) => name === 'js/extra.js')).toHaveLength(1);
    await expect(storage.url('js/none.js')).rejects.toThrow(
      "The file 'js/none.js' could not be found with ManifestMemoryStorage.",
    );
  });

  it("a manifest that is not Django's format is Django's error", async () => {
    const storage = new ManifestMemoryStorage();
    await storage.save('staticfiles.json', '{"version": "9"}');
    await expect(storage.url('a.css')).rejects.toThrow("Couldn't load manifest 'staticfiles.json' (version 1.1)");
  });
});
