/**
 * `save()` of an unread `fs.ReadStream` reads its file straight into the part buffers, with no
 * chunk of its own: the same bytes the stream would give (its `start`/`end`, or its descriptor's
 * position), the same requests (a file that fits one part is one PutObject), and the stream
 * ended as if read (`'end'`, then `'close'`), never read as a stream (`readableDidRead` stays false).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, openSync, readSync, type ReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { S3Storage } from '../../lib/index.js';
import { sha256, stored } from '../support/command-log.js';
import { rawClient, s3Options, uniqueLocation } from '../support/s3.js';

const MiB = 1024 * 1024;
const location = uniqueLocation('file-sources');
// The storage's own client, so that parts carry the Content-MD5 computed as they are read.
const storage = new S3Storage(s3Options({ location }));
const sent: string[] = [];
storage.client.middlewareStack.add(
  (next, context) => (args) => {
    sent.push(context.commandName!.replace(/Command$/, ''));
    return next(args);
  },
  { step: 'initialize' },
);
const raw = rawClient();
const content = randomBytes(12 * MiB + 3);
let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-sources-'));
  file = join(dir, 'content.bin');
  await writeFile(file, content);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await storage.close();
  raw.destroy();
});

beforeEach(() => void sent.splice(0));

/** Saves `stream`, checks it was read as a file and ended as a stream read to its end; answers the stored bytes' SHA-256. */
async function saveFile(name: string, stream: ReadStream): Promise<string> {
  const ended = finished(stream);
  const saved = await storage.save(name, stream);
  await ended;
  expect(stream.readableDidRead).toBe(false);
  expect(stream.destroyed).toBe(true);
  return sha256((await stored(raw, `${location}/${saved}`)).body);
}

test('a file of three parts is read into its parts: same bytes, one multipart upload', async () => {
  const stream = createReadStream(file);
  expect(await saveFile('whole.bin', stream)).toBe(sha256(content));
  expect(stream.bytesRead).toBe(content.length);
  expect(sent).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
});

test("a stream's start and end are the range stored", async () => {
  const stream = createReadStream(file, { start: 100, end: 6 * MiB + 50 });
  expect(await saveFile('range.bin', stream)).toBe(sha256(content.subarray(100, 6 * MiB + 51)));
});

test('a file of exactly one part is one PutObject, as the same stream would be', async () => {
  const stream = createReadStream(file, { start: 0, end: 5 * MiB - 1 });
  expect(await saveFile('one-part.bin', stream)).toBe(sha256(content.subarray(0, 5 * MiB)));
  expect(sent).toEqual(['PutObject']);
});

test("a stream over a descriptor with no start reads on from the descriptor's position", async () => {
  const fd = openSync(file, 'r');
  readSync(fd, Buffer.alloc(10), 0, 10, null);
  const stream = createReadStream('', { fd });
  expect(await saveFile('from-fd.bin', stream)).toBe(sha256(content.subarray(10)));
});

test('a stream already read from is saved as a stream, from where it stands', async () => {
  const stream = createReadStream(file, { highWaterMark: 1024 });
  await once(stream, 'readable');
  const head = stream.read(1024) as Buffer;
  const saved = await storage.save('read-from.bin', stream);
  expect(sha256(Buffer.concat([head, (await stored(raw, `${location}/${saved}`)).body]))).toBe(sha256(content));
});

test('a file that cannot be opened fails the save with its error, and stores nothing', async () => {
  await expect(storage.save('missing.bin', createReadStream(join(dir, 'missing.bin')))).rejects.toThrow(/ENOENT/);
  expect(await storage.exists('missing.bin')).toBe(false);
  expect(storage.partBuffers.bytesInUse).toBe(0);
});
