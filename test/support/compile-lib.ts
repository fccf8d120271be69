/**
 * The package's JavaScript for tests that run it as a user does (the CLI in a child process):
 * lib/ transpiled file by file into a temporary directory that resolves the project's
 * node_modules. A second's work, where a full `tsc` build takes tens of seconds.
 */
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');

/** Transpiles lib/ and returns the directory holding lib/ (as dist/ would). */
export async function compileLib(): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'nestjs-storages-lib-'));
  await writeFile(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  for (const file of await readdir(join(root, 'lib'), { recursive: true })) {
    if (!file.endsWith('.ts')) continue;
    const source = await readFile(join(root, 'lib', file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ES2022,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    });
    const target = join(out, 'lib', file.replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  return out;
}
