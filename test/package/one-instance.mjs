/**
 * The built package, loaded by name (the package's own exports map, as an app resolves it) through
 * `import` and through `require` in one process: both give the very same classes. The ES module
 * entries (esm/) re-export the CommonJS build (dist/cjs/), so an app gets one `Storage` class, the
 * token under which StorageModule provides the default storage, whichever way the app, its tests
 * or a library it uses load the package. Run by `npm run check:package` after the build.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

for (const entry of ['nestjs-storages', 'nestjs-storages/testing']) {
  const imported = await import(entry);
  const required = require(entry);
  const names = Object.keys(required).filter((name) => name !== '__esModule');
  assert.ok(names.length > 0, `${entry} exports nothing`);
  assert.deepEqual(
    Object.keys(imported)
      .filter((name) => name !== '__esModule')
      .sort(),
    names.sort(),
  );
  for (const name of names) assert.equal(imported[name], required[name], `${entry}: two copies of ${name}`);
  console.log(`${entry}: import and require give the same ${names.length} exports`);
}

// What an app's DI sees: a storage built from the ES module entry is a CommonJS-side `Storage`.
const { InMemoryStorage } = await import('nestjs-storages');
assert.ok(new InMemoryStorage() instanceof require('nestjs-storages').Storage);

// The bin is the CommonJS build's CLI: it runs under `node` with no loader.
const bin = require
  .resolve('nestjs-storages/package.json')
  .replace(/package\.json$/, require('nestjs-storages/package.json').bin['nestjs-storages']);
const usage = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
assert.match(usage, /^Usage: nestjs-storages collectstatic/);
console.log('nestjs-storages --help runs from', bin);
