/**
 * The page's assets as the staticfiles storage publishes them: sample/public, with the Uppy
 * entry (uppy-page.js) bundled by esbuild into uppy.js and uppy.css. Built into dist/ at every
 * start, so a fresh clone needs nothing but `npm install`.
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ENTRY = 'uppy-page.js';

/** Builds the assets into dist/sample-assets and answers that directory. */
export async function buildAssets(root: string): Promise<string> {
  const source = join(root, 'sample', 'public');
  const target = join(root, 'dist', 'sample-assets');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(source, target, { recursive: true, filter: (path) => !path.endsWith(ENTRY) });
  await build({
    entryPoints: { uppy: join(source, ENTRY) },
    outdir: target,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl' },
    logLevel: 'warning',
  });
  return target;
}
