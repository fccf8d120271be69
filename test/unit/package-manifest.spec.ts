/**
 * The published package holds together: every package lib/ imports is a dependency or a peer,
 * nothing is declared that lib/ does not use, the exports map resolves for import and require,
 * and the bin is an executable script. (As nestjs/config's package-manifest test.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const imported = new Set(
  sources(join(root, 'lib')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'([^.'][^']*)'/g)]
      .map((match) => match[1])
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

  it('exports the package root for import and require, with its types', () => {
    expect(manifest.type).toBe('module');
    expect(manifest.exports['.']).toEqual({
      types: './dist/lib/index.d.ts',
      import: './dist/lib/index.js',
      default: './dist/lib/index.js',
    });
  });

  it('ships the collectstatic command as an executable script', () => {
    expect(manifest.bin['nestjs-storages']).toBe('./dist/lib/cli/cli.js');
    expect(readFileSync(join(root, 'lib', 'cli', 'cli.ts'), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it('supports NestJS 11 and 12 on Node 20.19 and later', () => {
    expect(manifest.peerDependencies['@nestjs/common']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.peerDependencies['@nestjs/core']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.engines.node).toBe('^20.19.0 || >=22.12.0');
  });
});
