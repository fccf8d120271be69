/**
 * The README's settings table is the settings table of the code (the `@S3Setting` rows of
 * S3StorageOptions), rendered and formatted as prettier formats the README. When a setting
 * changes, this test fails and prints the table to paste.
 */
import { readFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { S3StaticStorage, S3Storage } from '../../lib/index.js';
import type { S3SettingRow } from '../../lib/backends/s3/s3-setting.decorator.js';
import { DEFAULTED_SETTINGS } from '../../lib/backends/s3/s3-settings.js';
import { S3_SETTINGS } from '../../lib/backends/s3/s3-storage.options.js';

const README = new URL('../../README.md', import.meta.url);
const MiB = 1024 * 1024;

const code = (text: string) => `\`${text}\``;

/** A default as the README writes it: sizes in MiB or GiB, strings quoted, lists and objects spelled out. */
function value(v: unknown, inCode = false): string {
  if (v === undefined) return '—';
  if (typeof v === 'number' && v >= 1024 * MiB && v % (1024 * MiB) === 0) return `${v / 1024 / MiB} GiB`;
  if (typeof v === 'number' && v >= MiB && v % MiB === 0) return `${v / MiB} MiB`;
  if (Array.isArray(v)) return v.map((item) => code(String(item))).join(', ');
  if (typeof v === 'object' && v !== null) {
    const fields = Object.entries(v).map(([key, item]) => `${key}: ${value(item, true)}`);
    return code(fields.length ? `{ ${fields.join(', ')} }` : '{}');
  }
  const text = typeof v === 'string' ? `'${v}'` : String(v);
  return inCode ? text : code(text);
}

function globalNames({ globalNames, from, deprecated }: S3SettingRow): string {
  if (!globalNames.length) return '(options only)';
  const kind = { json: ' (JSON)', 'transfer-config': ' (JSON)', list: ' (comma list)' }[from as string] ?? '';
  return globalNames.map(code).join(', ') + kind + (deprecated ? ' (deprecated)' : '');
}

function defaultOf(row: S3SettingRow): string {
  const notes = [];
  if (row.environment.length) notes.push(`${row.environment.map(code).join(', ')} from the environment`);
  if (row.note) notes.push(row.note);
  return value(row.default) + (notes.length ? ` (${notes.join('; ')})` : '');
}

async function settingsTable(): Promise<string> {
  const rows = S3_SETTINGS.map((row) => [
    code(row.option) + (row.secret ? ' (secret)' : ''),
    row.django ? code(row.django) : '—',
    globalNames(row),
    defaultOf(row),
  ]);
  const markdown = [['option', 'django-storages', 'global name(s)', 'default'], ['---', '---', '---', '---'], ...rows]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
  return format(markdown, { ...(await resolveConfig(README.pathname)), parser: 'markdown' });
}

/** The table of the README's Settings section: the lines from its header row to the first that is not a row. */
function readmeTable(): string {
  const lines = readFileSync(README, 'utf8').split('\n');
  const start = lines.findIndex((line) => /^\| option +\| django-storages /.test(line));
  expect(start).toBeGreaterThan(0);
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  return lines.slice(start, end).join('\n') + '\n';
}

test("README.md's settings table is the code's", async () => {
  const expected = await settingsTable();
  if (readmeTable() !== expected) console.log(`The README's settings table should read:\n\n${expected}`);
  expect(readmeTable()).toBe(expected);
});

test('the defaults the table shows are the ones storages use', () => {
  const defaults = Object.fromEntries(
    S3_SETTINGS.filter((row) => row.default !== undefined).map((r) => [r.option, r.default]),
  );
  expect(S3Storage.defaults).toEqual(defaults);
  expect(S3StaticStorage.defaults).toEqual({ ...defaults, querystringAuth: false });
  // The settings type says these always have a value: the ones with a default, transferConfig apart.
  expect([...DEFAULTED_SETTINGS, 'transferConfig'].sort()).toEqual(Object.keys(defaults).sort());
  const storage = new S3Storage({ bucketName: 'media' });
  for (const [option, value] of Object.entries(defaults)) {
    expect([option, storage.settings[option as keyof typeof storage.settings]]).toEqual([option, value]);
  }
});
