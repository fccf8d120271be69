/**
 * The published package holds together: every package lib/ imports is a dependency or a peer,
 * nothing is declared that lib/ does not use, the exports map resolves for import and require
 * (publint and arethetypeswrong check the packed result: `npm run check:package`),
 * and the bin is an executable script. (As nestjs/config's package-manifest test.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const imported = new Set(
  sources(join(root, 'lib')).flatMap((file) =>
    // The module specifiers of import declarations and import() calls (not of comments or strings).
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((imported) => imported.fileName)
      .filter((specifier) => !specifier.startsWith('.'))
      .filter(
        (specifier) =>
          !specifier.startsWith('node:') && !builtinModules.includes(specifier) && !specifier.includes('${'),
      )
      .map((specifier) =>
        specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/'),
      ),
  ),
);

describe('package.json', () => {
  it('declares every package lib/ imports, as a dependency or a peer', () => {
    const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
    expect([...imported].filter((name) => !(name in declared))).toEqual([]);
  });

  it('declares no dependency that lib/ does not import', () => {
    expect(Object.keys(manifest.dependencies).filter((name) => !imported.has(name))).toEqual([]);
  });

  it('exports each entry as an ES module and as CommonJS, each with its own declarations', () => {
    expect(manifest.type).toBe('module');
    // The ES module entries (esm/) re-export the CommonJS build: one copy of every class per process.
    for (const [entry, file] of [
      ['.', 'index'],
      ['./testing', 'testing'],
    ]) {
      expect(manifest.exports[entry]).toEqual({
        import: { types: `./esm/${file}.d.ts`, default: `./esm/${file}.js` },
        require: { types: `./dist/cjs/${file}.d.ts`, default: `./dist/cjs/${file}.js` },
      });
      expect(readFileSync(join(root, 'esm', `${file}.js`), 'utf8')).toContain(
        `export * from '../dist/cjs/${file}.js';`,
      );
      expect(readFileSync(join(root, 'esm', `${file}.d.ts`), 'utf8')).toContain(
        `export * from '../dist/cjs/${file}.js';`,
      );
      expect(existsSync(join(root, 'lib', `${file}.ts`))).toBe(true);
    }
    expect(manifest.main).toBe('./dist/cjs/index.js');
    expect(manifest.types).toBe('./dist/cjs/index.d.ts');
    expect(manifest.files).toEqual(['dist/cjs', 'esm', 'LICENSE']);
  });

  it('ships the collectstatic command as an executable script', () => {
    expect(manifest.bin['nestjs-storages']).toBe('./dist/cjs/cli/cli.js');
    expect(readFileSync(join(root, 'lib', 'cli', 'cli.ts'), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it('pins the AWS SDK to the tested releases, which still run on Node 20', () => {
    const sdk = Object.entries(manifest.dependencies).filter(([name]) => /^@(aws-sdk|smithy)\//.test(name));
    expect(sdk.length).toBeGreaterThan(0);
    expect(sdk.filter(([, range]) => !/^~\d/.test(range as string))).toEqual([]);
  });

  it('supports NestJS 11 and 12 on Node 20.19 and later', () => {
    expect(manifest.peerDependencies['@nestjs/common']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.peerDependencies['@nestjs/core']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.peerDependencies['@nestjs/platform-express']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.peerDependencies['@nestjs/platform-fastify']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.engines.node).toBe('^20.19.0 || >=22.12.0');
  });
});
