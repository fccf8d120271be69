/**
 * The README's TypeScript examples are taken from test/readme/, which `npm test` typechecks:
 * each ```ts block must appear there verbatim, so an example that stops compiling fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const examples = readdirSync(join(root, 'test', 'readme'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => readFileSync(join(root, 'test', 'readme', file), 'utf8'));
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);

describe('README examples', () => {
  it('has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThan(5);
  });

  it.each(
    blocks.map((block) => [
      block.split('\n').find((line) => /class|function|const/.test(line)) ?? block.slice(0, 40),
      block,
    ]),
  )('compiles %s (it is in test/readme/)', (_label, block) => {
    expect(examples.some((source) => source.includes(block))).toBe(true);
  });
});
