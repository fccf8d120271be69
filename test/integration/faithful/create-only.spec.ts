/**
 * `fileOverwrite: false` must never let one save replace another's file, also when writers race
 * between `getAvailableName()` and the write: the write is a conditional create
 * (`If-None-Match: *`) and a loser retries under another name. s3rver ignores the condition, so
 * there the last writer silently wins.
 */
import { Readable } from 'node:stream';
import { S3Storage } from '../../../lib/index.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { describeFaithful, s3Options, server, uniqueLocation } from '../../support/s3.js';

const CONDITIONAL = "s3rver ignores If-None-Match: '*', so racing writers overwrite each other";

async function readText(storage: S3Storage, name: string): Promise<string> {
  await using file = await storage.open(name, 'r');
  return file.read();
}

describeFaithful('fileOverwrite: false under concurrency', CONDITIONAL, () => {
  const storage = new S3Storage(s3Options({ location: uniqueLocation('create-only'), fileOverwrite: false }));
  afterAll(() => storage.close());

  it('gives 100 concurrent saves of one name 100 distinct names, each holding its own content', async () => {
    const contents = Array.from({ length: 100 }, (_, i) => `writer ${i}`);
    const names = await Promise.all(contents.map((content) => storage.save('same.txt', content)));

    expect(new Set(names).size).toBe(100);
    expect(names).toContain('same.txt');
    for (const name of names) expect(name).toMatch(/^same(_[a-zA-Z0-9]{7})?\.txt$/);
    for (const [i, name] of names.entries()) expect(await readText(storage, name)).toBe(contents[i]);
    expect((await storage.listdir(''))[1].sort()).toEqual([...names].sort());
  });

  it('does the same for small streams, which are replayed under the new name', async () => {
    const contents = Array.from({ length: 10 }, (_, i) => `stream ${i}`);
    const names = await Promise.all(
      contents.map((content) => storage.save('dir/streamed.txt', Readable.from([Buffer.from(content)]))),
    );

    expect(new Set(names).size).toBe(10);
    for (const [i, name] of names.entries()) expect(await readText(storage, name)).toBe(contents[i]);
  });
});

describeFaithful('fileOverwrite: false when the answer to a create is lost', CONDITIONAL, () => {
  let proxy: FaultProxy;
  let storage: S3Storage;

  beforeAll(async () => {
    proxy = await startFaultProxy(server.endpoint);
    storage = new S3Storage(
      s3Options({ endpointUrl: proxy.endpoint, location: uniqueLocation('lost-answer'), fileOverwrite: false }),
    );
  });
  afterAll(async () => {
    await storage.close();
    await proxy.close();
  });

  it('takes the 412 of its own retried PUT as success: one object, under the name asked for', async () => {
    let cut = false;
    // The first PUT reaches the server and creates the object; its answer never comes back, so
    // the SDK sends it again and the server refuses the retry: the name is taken, by this save.
    proxy.decide = (request) => {
      if (request.method !== 'PUT' || cut) return undefined;
      cut = true;
      return 'cut';
    };
    expect(await storage.save('lost.txt', 'sent once, answered never')).toBe('lost.txt');
    expect(proxy.requests.filter((request) => request.method === 'PUT')).toHaveLength(2);
    expect((await storage.listdir(''))[1]).toEqual(['lost.txt']);
    expect(await readText(storage, 'lost.txt')).toBe('sent once, answered never');
  });
});
