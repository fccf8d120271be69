/**
 * `@nestjs/terminus` and `@nestjs/swagger` are optional peers: an app that has neither imports
 * the package, starts `StorageModule` (which provides `StorageHealthIndicator`) and runs. The
 * package's JavaScript runs in a child process where both cannot be resolved, as in an app that
 * never installed them.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileLib } from '../support/compile-lib.js';

const MISSING = ['@nestjs/terminus', '@nestjs/swagger'];

/**
 * Resolve hooks that answer, for the optional peers, what Node answers for a package not
 * installed: one for `import` (ES modules), one for `require` (the published CommonJS build).
 */
const HOOKS = `
const missing = ${JSON.stringify(MISSING)};
export async function resolve(specifier, context, next) {
  if (missing.some((name) => specifier === name || specifier.startsWith(name + '/'))) {
    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;

const REQUIRE_HOOK = `
const Module = require('node:module');
const missing = ${JSON.stringify(MISSING)};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (missing.some((name) => request === name || request.startsWith(name + '/'))) {
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  }
  return resolveFilename.call(this, request, ...rest);
};`;

const APP = `
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
const { StorageModule, StorageHealthIndicator, InMemoryStorage, Storage } = await import('./cjs/index.js');
const app = await NestFactory.createApplicationContext(
  StorageModule.forRoot({ storages: { default: { backend: InMemoryStorage } } }),
  { logger: false },
);
const storage = app.get(Storage);
await storage.save('a.txt', Buffer.from('a'));
const saved = await storage.exists('a.txt');
const ping = await app.get(StorageHealthIndicator).pingCheck('media').then(() => 'ran', (err) => err.message);
await app.close();
console.log(JSON.stringify({ saved, ping }));
`;

describe('optional peers', () => {
  it('an app without @nestjs/terminus and @nestjs/swagger imports the package and runs', async () => {
    const dir = await compileLib();
    await writeFile(join(dir, 'hooks.mjs'), HOOKS);
    await writeFile(
      join(dir, 'register.mjs'),
      "import { register } from 'node:module'; register('./hooks.mjs', import.meta.url);",
    );
    await writeFile(join(dir, 'hide.cjs'), REQUIRE_HOOK);
    await writeFile(join(dir, 'app.mjs'), APP);

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--require', './hide.cjs', '--import', './register.mjs', 'app.mjs'],
      {
        cwd: dir,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );

    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
      saved: true,
      // The health check itself needs terminus, and says so.
      ping: 'StorageHealthIndicator needs @nestjs/terminus to be installed',
    });
  }, 60_000);
});
