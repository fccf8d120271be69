import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers of lib/, lowest first: a file may import from its own layer and the ones below it,
 * never from one above (core ← staticfiles ← backends ← nest ← upload ← cli).
 */
const LAYERS = ['core', 'staticfiles', 'backends', 'nest', 'upload', 'cli'];
const BACKENDS = ['s3', 'memory', 'filesystem'];

const layerZones = LAYERS.slice(0, -1).map((layer, index) => ({
  target: `./lib/${layer}`,
  from: LAYERS.slice(index + 1).map((above) => `./lib/${above}`),
  message: `lib/${layer} sits below ${LAYERS.slice(index + 1).join(', ')}: imports run one way (core ← staticfiles ← backends ← nest ← upload ← cli).`,
}));
const backendZones = BACKENDS.map((backend) => ({
  target: `./lib/backends/${backend}`,
  from: BACKENDS.filter((other) => other !== backend).map((other) => `./lib/backends/${other}`),
  message: 'A backend is one folder: it imports core and staticfiles, never another backend.',
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'test/consumers/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  { files: ['**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  { files: ['sample/public/**/*.js'], languageOptions: { globals: globals.browser, sourceType: 'module' } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['lib/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: [...layerZones, ...backendZones] }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // The Storage API and its backends run without Nest: only nest/, upload/ and cli/ may import it.
    files: ['lib/core/**/*.ts', 'lib/staticfiles/**/*.ts', 'lib/backends/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@nestjs/*'], message: 'core, staticfiles and backends are framework-free.' }] },
      ],
    },
  },
);
