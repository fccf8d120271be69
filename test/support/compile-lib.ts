/**
 * The package's JavaScript for tests that run it as a user does (the CLI in a child process):
 * lib/ transpiled file by file to CommonJS, as the published build (tsconfig.build.json,
 * dist/cjs/), into a temporary directory that resolves the project's node_modules. A second's
 * work, where a full `tsc` build takes tens of seconds.
 */
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');

/** Transpiles lib/ and returns the directory holding cjs/ (as dist/ does: the CLI is cjs/cli/cli.js). */
export async function compileLib(): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'nestjs-storages-lib-'));
  await mkdir(join(out, 'cjs'));
  await writeFile(join(out, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }));
  await symlink(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  for (const file of await readdir(join(root, 'lib'), { recursive: true })) {
    if (!file.endsWith('.ts')) continue;
    const source = await readFile(join(root, 'lib', file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        esModuleInterop: true,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    });
    const target = join(out, 'cjs', file.replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  return out;
}
