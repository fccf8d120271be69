/**
 * The README's TypeScript examples are taken from test/readme/, which `npm test` typechecks, or
 * from the consumer apps' tests (test/consumers/<app>/test/), which test/consumers/run.sh compiles:
 * each ```ts block must appear there verbatim, so an example that stops compiling fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
// The consumer apps' tests are compiled by each app's own tsconfig (test/consumers/run.sh).
const consumerTests = readdirSync(join(root, 'test', 'consumers'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap(({ name: app }) =>
    readdirSync(join(root, 'test', 'consumers', app, 'test')).map((file) => join('consumers', app, 'test', file)),
  );
const examples = [...readdirSync(join(root, 'test', 'readme')).map((file) => join('readme', file)), ...consumerTests]
  .filter((file) => file.endsWith('.ts'))
  .map((file) => readFileSync(join(root, 'test', file), 'utf8'));
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
