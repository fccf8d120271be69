/**
 * Hashed names, reference rewriting and the manifest format, checked against what Django's own
 * ManifestStaticFilesStorage produced for the same tree (test/fixtures/django-manifest).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ValueError } from '../../lib/index.js';
import { fileHash, hashedName } from '../../lib/staticfiles/hashed-name.js';
import { rewriteReferences } from '../../lib/staticfiles/hashed-references.js';
import { parseManifest, serializeManifest } from '../../lib/staticfiles/manifest-format.js';
import { postProcess, type SourceFile } from '../../lib/staticfiles/post-process.js';

interface DjangoRun {
  django: string;
  source: Record<string, string>;
  manifest: { paths: Record<string, string>; version: string };
  manifest_v11: string;
  rewritten: Record<string, string>;
}
const django = JSON.parse(
  readFileSync(new URL('../fixtures/django-manifest/expected.json', import.meta.url), 'utf8'),
) as DjangoRun;

function sources(tree: Record<string, Buffer | string>): SourceFile[] {
  return Object.entries(tree).map(([name, content]) => {
    const bytes = Buffer.from(content);
    return { name, md5: createHash('md5').update(bytes).digest('hex'), content: bytes };
  });
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('post-processing, as Django does it', () => {
  const tree = Object.fromEntries(
    Object.entries(django.source).map(([name, b64]) => [name, Buffer.from(b64, 'base64')]),
  );

  it(`gives the hashed names Django ${django.django} gives`, () => {
    const { paths } = postProcess(sources(tree), 'S3ManifestStaticStorage', new Set(['img', 'css', 'fonts']));
    expect(Object.fromEntries(paths)).toEqual(django.manifest.paths);
  });

  it('rewrites url(), @import, fragments, queries and the ?#iefix hack as Django', () => {
    const { rewritten } = postProcess(sources(tree), 'S3ManifestStaticStorage', new Set(['img', 'css', 'fonts']));
    // Django 3.2 rewrote CSS only; JavaScript (source maps, Django 4.0+) has none here and keeps its hash.
    const css = [...rewritten].filter(([name]) => name.endsWith('.css'));
    const ours = Object.fromEntries(css.map(([name, content]) => [name, content.toString('utf8')]));
    expect(ours).toEqual(django.rewritten);
    // The BOM of vendor/lib.css survives, as Python's decode/encode keeps it.
    expect(ours[django.manifest.paths['vendor/lib.css']].startsWith('\ufeff')).toBe(true);
  });

  it("writes the manifest byte for byte as Python's json.dumps (version 1.1, sorted, ASCII-escaped)", () => {
    const { content, hash } = serializeManifest(django.manifest.paths);
    expect(content.toString('utf8')).toBe(django.manifest_v11);
    expect(content.toString('utf8')).toContain('"img/caf\\u00e9 \\u2615.svg"');
    expect(content.toString('utf8').startsWith('{"paths": {"404": ')).toBe(true);
    expect(hash).toMatch(/^[0-9a-f]{12}$/);
  });

  it('resolves a chain of @imports of any depth (Django stops after 5 passes)', () => {
    const chain: Record<string, string> = { 'img/x.png': 'png' };
    for (let i = 0; i < 12; i++)
      chain[`c${i}.css`] = i === 11 ? '.a{background:url(img/x.png)}' : `@import "c${i + 1}.css";`;
    const { paths, rewritten } = postProcess(sources(chain), 'S', new Set(['img']));
    const last = `.a{background:url("img/x.${md5('png').slice(0, 12)}.png")}`;
    expect(paths.get('c11.css')).toBe(`c11.${md5(last).slice(0, 12)}.css`);
    const first = rewritten.get(paths.get('c0.css')!)!.toString();
    expect(first).toBe(`@import url("${paths.get('c1.css')}");`);
  });

  it('refuses circular references, naming them, as Django ("Max post-process passes exceeded")', () => {
    const cycle = { 'a.css': '@import "b.css";', 'b.css': '.b{background:url(a.css)}' };
    expect(() => postProcess(sources(cycle), 'S')).toThrow(
      /^Max post-process passes exceeded: circular references a\.css -> b\.css -> a\.css$/,
    );
  });

  it('reports every missing file at once, before anything is stored', () => {
    const tree = {
      'css/a.css': '.a{background:url(../img/gone.png)} .b{background:url(missing.svg)}',
      'css/b.css': '/*# sourceMappingURL=b.css.map */',
    };
    let error: unknown;
    try {
      postProcess(sources(tree), 'S3ManifestStaticStorage');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message.split('\n')).toEqual([
      "The file 'img/gone.png' could not be found with S3ManifestStaticStorage. ('css/a.css' refers to it.)",
      "The file 'css/missing.svg' could not be found with S3ManifestStaticStorage. ('css/a.css' refers to it.)",
      "The file 'css/b.css.map' could not be found with S3ManifestStaticStorage. ('css/b.css' refers to it.)",
    ]);
  });

  it("fails on Django's own regex quirk: a space before the quote is part of the URL", () => {
    const tree = { 'css/a.css': '.i{background:url( "../img/x.png" )}', 'img/x.png': 'x' };
    expect(() => postProcess(sources(tree), 'S')).toThrow(`The file 'css/"../img/x.png"' could not be found with S.`);
  });

  it('refuses a stylesheet that is not UTF-8', () => {
    const tree = { 'a.css': Buffer.from([0x2e, 0x61, 0xff, 0xfe]) };
    expect(() => postProcess(sources(tree), 'S')).toThrow("'a.css' is not UTF-8 text");
  });
});

describe('references', () => {
  // As the real resolver, a target's surrounding spaces go (Django's `hashed_name` strips them).
  const resolve = (target: string) => `${target.trim()}~hashed`;

  it('leaves absolute, protocol-relative, data and fragment-only URLs alone', () => {
    const css = [
      'a{b:url(http://x/y.png)}',
      'a{b:url(//cdn/y.png)}',
      'a{b:url(/abs/y.png)}',
      "a{b:url('data:image/png;base64,AAA=')}",
      'a{behavior:url(#default#VML)}',
    ].join('\n');
    expect(rewriteReferences('css/s.css', css, resolve)).toBe(css);
  });

  it('rewrites CSS and JavaScript source maps; a data URI source map is kept whole', () => {
    expect(rewriteReferences('css/s.css', 'a{}\n/*# sourceMappingURL=s.css.map */\n', resolve)).toBe(
      'a{}\n/*# sourceMappingURL=s.css.map~hashed */\n',
    );
    expect(rewriteReferences('js/s.js', 'x()\n//# sourceMappingURL=s.js.map', resolve)).toBe(
      'x()\n//# sourceMappingURL=s.js.map~hashed',
    );
    const inline = 'x()\n//# sourceMappingURL=data:application/json;base64,eyJ9';
    expect(rewriteReferences('js/s.js', inline, resolve)).toBe(inline);
    // `sourceMappingURL` is case-sensitive in Django's pattern; `url(` is not.
    expect(rewriteReferences('js/s.js', '//# sourcemappingurl=s.js.map', resolve)).toBe(
      '//# sourcemappingurl=s.js.map',
    );
    expect(rewriteReferences('css/s.css', 'a{b:URL(x.png)}', resolve)).toBe('a{b:url("x.png~hashed")}');
  });

  it('does not touch JavaScript imports or other file types (Django does not by default)', () => {
    expect(rewriteReferences('js/m.js', 'import x from "./y.js";', resolve)).toBe('import x from "./y.js";');
    expect(rewriteReferences('a.html', '<link href="url(x.css)">', resolve)).toBe('<link href="url(x.css)">');
  });
});

describe('hashed names', () => {
  it('inserts the first 12 hex digits of the MD5 before the last extension', () => {
    expect(fileHash('body{}')).toBe(md5('body{}').slice(0, 12));
    expect(hashedName('css/app.css', 'abcdef012345')).toBe('css/app.abcdef012345.css');
    expect(hashedName('a.tar.gz', 'abcdef012345')).toBe('a.tar.abcdef012345.gz');
    expect(hashedName('LICENSE', 'abcdef012345')).toBe('LICENSE.abcdef012345');
    expect(hashedName('.htaccess', 'abcdef012345')).toBe('.htaccess.abcdef012345');
    expect(hashedName('dir.v2/file', 'abcdef012345')).toBe('dir.v2/file.abcdef012345');
  });

  it('keeps a query and the ?#iefix hack, and unquotes the name', () => {
    expect(hashedName('f/font.woff?v=1', 'h')).toBe('f/font.h.woff?v=1');
    expect(hashedName('f/font.eot?#iefix', 'h')).toBe('f/font.h.eot?#iefix');
    expect(hashedName('img/my%20image.png', 'h')).toBe('img/my image.h.png');
  });
});

describe('manifest format', () => {
  it('reads versions 1.0 and 1.1, with or without a hash', () => {
    expect(parseManifest('{"paths": {"a.css": "a.1.css"}, "version": "1.0"}', 'staticfiles.json')).toEqual({
      paths: { 'a.css': 'a.1.css' },
      hash: '',
    });
    expect(parseManifest('{"paths": {}, "version": "1.1", "hash": "abc"}', 'staticfiles.json')).toEqual({
      paths: {},
      hash: 'abc',
    });
  });

  it.each(['{"paths": {}, "version": "2.0"}', 'not json', '[]', '{"paths": {}}'])(
    "refuses %s with Django's message",
    (content) => {
      expect(() => parseManifest(content, 'staticfiles.json')).toThrow(
        new ValueError("Couldn't load manifest 'staticfiles.json' (version 1.1)"),
      );
    },
  );
});
