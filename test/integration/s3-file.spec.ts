/**
 * S3File against the real test server: open() in each mode, reading by size, by line and in
 * chunks, writing as a multipart upload in `fileBufferSize` parts, the empty-file-on-close
 * rule, part buffers from the process-wide pool, and abort(). Part boundaries and request counts come
 * from a command log on a client passed in; the content is checked on the server.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { FileNotFoundError, S3File, S3Storage, type StorageFile } from '../../lib/index.js';
import { commandLog, head, sha256, stored, type CommandLog } from '../support/command-log.js';
import { rawClient, s3Options, uniqueLocation } from '../support/s3.js';

const MiB = 1024 * 1024;

let raw: S3Client;
let log: CommandLog;
let storage: S3Storage;

beforeAll(() => {
  raw = rawClient();
  log = commandLog();
  storage = new S3Storage(s3Options({ client: log.client, location: uniqueLocation('file') }));
});
beforeEach(() => log.clear());
afterAll(async () => {
  await storage.close();
  log.client.destroy();
  raw.destroy();
});

const key = (name: string) => `${storage.location}/${name}`;

/** A byte pattern that shows where each MiB came from. */
const block = (n: number, size = MiB) => Buffer.alloc(size, n);

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: Error) => err,
  );
}

describe('open() for reading', () => {
  beforeAll(async () => {
    await storage.save('dir/lines.txt', 'line1\nline2\r\nmore\rtext');
    await storage.save('digits.bin', '0123456789');
  });

  test("default mode 'rb': an S3File named relative to the location", async () => {
    const file = await storage.open('dir/lines.txt');
    expect(file).toBeInstanceOf(S3File);
    expect(file.name).toBe('dir/lines.txt');
    expect((file as S3File).key).toBe(key('dir/lines.txt'));
    expect(file.mode).toBe('rb');
    expect(file.closed).toBe(false);
    expect(await file.read()).toEqual(Buffer.from('line1\nline2\r\nmore\rtext'));
    await file.close();
    expect(file.closed).toBe(true);
  });

  test('opening and reading is one GET, without a HEAD first', async () => {
    const file = await storage.open('digits.bin', 'rb');
    await file.read();
    await file.close();
    expect(log.names()).toEqual(['GetObject']);
  });

  test('read(size) reads in order; at the end it gives an empty result', async () => {
    const file = await storage.open('digits.bin', 'rb');
    expect(await file.read(3)).toEqual(Buffer.from('012'));
    expect(await file.read(0)).toEqual(Buffer.alloc(0));
    expect(await file.read(4)).toEqual(Buffer.from('3456'));
    expect(await file.read(100)).toEqual(Buffer.from('789'));
    expect(await file.read()).toEqual(Buffer.alloc(0));
    expect(await file.read(1)).toEqual(Buffer.alloc(0));
    await file.close();
  });

  test('binary readlines() splits at \\n, \\r\\n and a lone \\r, also where a chunk ends', async () => {
    await storage.save('cr.bin', 'a\rb\r\nc\r\rd\ne\r');
    const file = await storage.open('cr.bin', 'rb');
    expect((await file.readlines()).map(String)).toEqual(['a\r', 'b\r\n', 'c\r', '\r', 'd\n', 'e\r']);
    await file.close();
    const big = 'x'.repeat(70_000) + '\r\n' + 'y'.repeat(70_000) + '\r' + 'z';
    await storage.save('cr-big.bin', big);
    const bigFile = await storage.open('cr-big.bin', 'rb');
    expect((await bigFile.readlines()).map((line) => line.length)).toEqual([70_002, 70_001, 1]);
    await bigFile.close();
  });

  test('binary readline keeps the stored line endings and splits at \\n only', async () => {
    const file = await storage.open('dir/lines.txt', 'rb');
    expect(await file.readline()).toEqual(Buffer.from('line1\n'));
    expect(await file.readline()).toEqual(Buffer.from('line2\r\n'));
    expect(await file.readline()).toEqual(Buffer.from('more\rtext'));
    expect(await file.readline()).toEqual(Buffer.alloc(0));
    await file.close();
  });

  test('readlines() starts again from the beginning, as Django iterates a File', async () => {
    const binary = await storage.open('dir/lines.txt', 'rb');
    expect(await binary.readline()).toEqual(Buffer.from('line1\n'));
    log.clear();
    // Django's File.__iter__: a lone \r ends a line too, and every line keeps its own ending
    expect(await binary.readlines()).toEqual([
      Buffer.from('line1\n'),
      Buffer.from('line2\r\n'),
      Buffer.from('more\r'),
      Buffer.from('text'),
    ]);
    expect(log.names()).toEqual(['GetObject']); // the start is read again
    expect(await binary.readlines()).toHaveLength(4);
    await binary.close();

    const text = await storage.open('dir/lines.txt', 'r');
    expect(await text.readline()).toBe('line1\n');
    expect(await text.readlines()).toEqual(['line1\n', 'line2\n', 'more\n', 'text']);
    await text.close();
  });

  test("text mode 'r': UTF-8 with universal newlines (\\r\\n and \\r read as \\n)", async () => {
    const file = await storage.open('dir/lines.txt', 'r');
    expect(file.mode).toBe('r');
    expect(await file.read(3)).toBe('lin');
    expect(await file.readline()).toBe('e1\n');
    expect(await file.read()).toBe('line2\nmore\ntext');
    expect(await file.read()).toBe('');
    await file.close();
  });

  test('text read(size) counts characters, whatever their UTF-8 or UTF-16 length', async () => {
    await storage.save('chars.txt', '😀😀😀aé✓b😀');
    const file = await storage.open('chars.txt', 'r');
    expect(await file.read(2)).toBe('😀😀');
    expect(await file.read(4)).toBe('😀aé✓');
    expect(await file.read(1)).toBe('b');
    expect(await file.read(5)).toBe('😀');
    await file.close();
  });

  test('multi-byte characters and \\r\\n across network chunks decode intact', async () => {
    const content = 'é✓😀\r\n'.repeat(40_000) + 'end\r';
    await storage.save('wide.txt', content);
    const expected = content.replace(/\r\n?/g, '\n');

    const whole = await storage.open('wide.txt', 'r');
    expect(await whole.read()).toBe(expected);
    await whole.close();

    const pieces = await storage.open('wide.txt', 'r');
    const chunks: string[] = [];
    for await (const chunk of pieces.chunks(1000)) chunks.push(chunk);
    expect(chunks.join('')).toBe(expected);
    expect(chunks.slice(0, -1).every((chunk) => [...chunk].length === 1000)).toBe(true);
    const lines = await pieces.readlines();
    expect(lines).toHaveLength(40_001);
    expect(lines[0]).toBe('é✓😀\n');
    expect(lines.at(-1)).toBe('end\n');
    await pieces.close();
  });

  test('chunks() start from the beginning, in pieces of chunkSize (64 KiB by default)', async () => {
    const data = Buffer.concat([block(1, 100 * 1024), block(2, 50 * 1024)]);
    await storage.save('chunks.bin', data);
    const file = await storage.open('chunks.bin');
    await file.read(10);
    const sizes: number[] = [];
    const parts: Buffer[] = [];
    for await (const chunk of file.chunks()) {
      sizes.push(chunk.length);
      parts.push(chunk as Buffer);
    }
    expect(sizes).toEqual([64 * 1024, 64 * 1024, 22 * 1024]);
    expect(Buffer.concat(parts)).toEqual(data);
    const small: number[] = [];
    for await (const chunk of file.chunks(4000)) small.push(chunk.length);
    expect(small.reduce((a, b) => a + b)).toBe(data.length);
    expect(new Set(small.slice(0, -1))).toEqual(new Set([4000]));
    await file.close();
  });

  test('size() is the stored size, from the GET already made', async () => {
    const file = await storage.open('digits.bin');
    log.clear();
    expect(await file.size()).toBe(10);
    expect(log.sent).toEqual([]);
    await file.close();
  });

  test('await using closes the file', async () => {
    let kept: StorageFile | undefined;
    {
      await using file = await storage.open('digits.bin');
      kept = file;
      expect(await file.read(2)).toEqual(Buffer.from('01'));
    }
    expect(kept.closed).toBe(true);
    await expect(kept.read()).rejects.toThrow('I/O operation on closed file.');
  });

  test('a closed file cannot be read; closing twice is fine', async () => {
    const file = await storage.open('digits.bin');
    await file.close();
    await file.close();
    await expect(file.read()).rejects.toThrow('I/O operation on closed file.');
    await expect(file.readline()).rejects.toThrow('I/O operation on closed file.');
  });

  test('a file opened for reading cannot be written', async () => {
    const file = await storage.open('digits.bin', 'r');
    await expect(file.write('x')).rejects.toThrow('File was not opened in write mode.');
    await file.close();
    expect((await stored(raw, key('digits.bin'))).body.toString()).toBe('0123456789');
  });

  test('a missing file: FileNotFoundError at open, naming the key', async () => {
    const error = await errorOf(storage.open('dir/missing.txt'));
    expect(error).toBeInstanceOf(FileNotFoundError);
    expect(error.message).toBe(`File does not exist: ${key('dir/missing.txt')}`);
  });

  test('modes: r and w do not combine; only rb, r, wb and w exist', async () => {
    await expect(storage.open('digits.bin', 'rw' as 'r')).rejects.toThrow("Can't combine 'r' and 'w' in mode.");
    await expect(storage.open('digits.bin', 'a' as 'r')).rejects.toThrow("Invalid mode 'a'");
    expect(log.sent).toEqual([]);
  });

  test('getObjectParameters is asked about the name without the location on reads, the full key on writes', async () => {
    const asked: string[] = [];
    class Recording extends S3Storage {
      override getObjectParameters(name: string): Record<string, unknown> {
        asked.push(name);
        return {};
      }
    }
    const recording = new Recording(s3Options({ location: storage.location }));
    const reading = await recording.open('dir/lines.txt');
    await reading.read();
    await reading.close();
    expect(asked).toEqual(['dir/lines.txt']);
    asked.length = 0;
    const writing = await recording.open('dir/written.txt', 'wb');
    await writing.write('x');
    await writing.close();
    expect(asked).toEqual([key('dir/written.txt')]);
    await recording.close();
  });
});

describe('open() for writing', () => {
  const uploadedParts = () =>
    log.sent.filter((command) => command.name === 'UploadPart').map((command) => command.input.ContentLength);

  test("'wb': a multipart upload started on the first write, in parts of fileBufferSize", async () => {
    const file = await storage.open('parts.bin', 'wb');
    expect(file.name).toBe('parts.bin');
    expect(log.sent).toEqual([]); // nothing until something is written
    const written = [block(1, 3 * MiB), block(2, 3 * MiB), block(3, 3 * MiB)];
    expect(await file.write(written[0])).toBe(3 * MiB);
    expect(log.names()).toEqual(['CreateMultipartUpload']);
    await file.write(written[1]);
    await file.write(written[2]);
    // Parts are exactly fileBufferSize: the first 5 MiB went up once the next byte came; the last 4 MiB wait for close()
    expect(uploadedParts()).toEqual([5 * MiB]);
    await file.close();
    expect(uploadedParts()).toEqual([5 * MiB, 4 * MiB]);
    expect(log.names()).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
    expect(log.sent.at(-1)!.input.MultipartUpload).toEqual({
      Parts: [expect.objectContaining({ PartNumber: 1 }), expect.objectContaining({ PartNumber: 2 })],
    });

    const object = await stored(raw, key('parts.bin'));
    expect(object.ContentLength).toBe(9 * MiB);
    expect(sha256(object.body)).toBe(sha256(Buffer.concat(written)));
    expect(object.ContentType).toBe('application/octet-stream');
  });

  test('fileBufferSize sets the part size', async () => {
    const big = new S3Storage(s3Options({ client: log.client, location: storage.location, fileBufferSize: 8 * MiB }));
    const file = await big.open('big-parts.bin', 'wb');
    for (let i = 0; i < 10; i++) await file.write(block(i));
    await file.close();
    expect(uploadedParts()).toEqual([8 * MiB, 2 * MiB]);
    expect((await head(raw, key('big-parts.bin'))).ContentLength).toBe(10 * MiB);
  });

  test("'w': str and bytes mixed, stored as UTF-8, with the guessed content type", async () => {
    const file = await storage.open('mixed.txt', 'w');
    expect(await file.write('text é')).toBe(7);
    expect(await file.write(Buffer.from('bytes'))).toBe(5);
    expect(await file.write(new Uint8Array([33]))).toBe(1);
    await file.close();
    const object = await stored(raw, key('mixed.txt'));
    expect(object.body).toEqual(Buffer.from('text \xc3\xa9bytes!', 'latin1'));
    expect(object.ContentType).toBe('text/plain');
  });

  test('writes carry the object parameters and the encoding guessed from the name', async () => {
    const params = new S3Storage(
      s3Options({ location: storage.location, objectParameters: { CacheControl: 'max-age=5' } }),
    );
    const file = await params.open('data.csv.gz', 'wb');
    await file.write('x');
    await file.close();
    const object = await head(raw, key('data.csv.gz'));
    expect(object.ContentType).toBe('text/csv');
    expect(object.ContentEncoding).toBe('gzip');
    expect(object.CacheControl).toBe('max-age=5');
    await params.close();
  });

  test('nothing written: close() makes an empty file (HEAD, then an empty PUT)', async () => {
    const file = await storage.open('empty.txt', 'w');
    await file.close();
    expect(log.names()).toEqual(['HeadObject', 'PutObject']);
    const object = await stored(raw, key('empty.txt'));
    expect(object.ContentLength).toBe(0);
    expect(object.ContentType).toBe('text/plain');
  });

  test('nothing written over an existing file: it is left as it was, not truncated', async () => {
    await storage.save('kept.txt', 'kept');
    log.clear();
    const file = await storage.open('kept.txt', 'wb');
    await file.close();
    expect(log.names()).toEqual(['HeadObject']);
    expect((await stored(raw, key('kept.txt'))).body.toString()).toBe('kept');
  });

  test('only empty writes: the upload is dropped and an empty file made', async () => {
    const file = await storage.open('empty-writes.txt', 'w');
    expect(await file.write('')).toBe(0);
    expect(log.names()).toEqual(['CreateMultipartUpload']); // started on the first write, as django-storages
    await file.close();
    expect(log.names()).toEqual(['CreateMultipartUpload', 'AbortMultipartUpload', 'HeadObject', 'PutObject']);
    expect((await head(raw, key('empty-writes.txt'))).ContentLength).toBe(0);
  });

  test('a write that could not start the upload fails the file: no later write can leave a hole', async () => {
    // s3rver refuses an unknown access key with 403, as S3 does
    const refused = new S3Storage(s3Options({ location: storage.location, accessKey: 'UNKNOWNKEY', secretKey: 'x' }));
    const file = await refused.open('refused.txt', 'wb');
    await expect(file.write('x')).rejects.toMatchObject({ name: 'StorageError', statusCode: 403 });
    expect(file.closed).toBe(true);
    await expect(file.write('y')).rejects.toThrow('I/O operation on closed file.');
    await expect(file.abort()).resolves.toBeUndefined();
    expect(await storage.exists('refused.txt')).toBe(false);
    await refused.close();
  });

  test('abort() leaves nothing: no object, the upload aborted', async () => {
    const file = await storage.open('aborted.bin', 'wb');
    await file.write(block(1, 6 * MiB)); // one part already uploaded
    await file.write('more');
    await file.abort();
    expect(file.closed).toBe(true);
    expect(log.names()).toEqual(['CreateMultipartUpload', 'UploadPart', 'AbortMultipartUpload']);
    expect(await storage.exists('aborted.bin')).toBe(false);
    await expect(file.write('x')).rejects.toThrow('I/O operation on closed file.');
    await file.close(); // nothing more happens
    expect(await storage.exists('aborted.bin')).toBe(false);
  });

  test('abort() over an existing file keeps the old content', async () => {
    await storage.save('old.txt', 'old');
    const file = await storage.open('old.txt', 'wb');
    await file.write('new');
    await file.abort();
    expect((await stored(raw, key('old.txt'))).body.toString()).toBe('old');
  });

  test('a file opened for writing cannot be read', async () => {
    const file = await storage.open('write-only.txt', 'wb');
    await expect(file.read()).rejects.toThrow('File was not opened in read mode.');
    await expect(file.readline()).rejects.toThrow('File was not opened in read mode.');
    await expect(file.readlines()).rejects.toThrow('File was not opened in read mode.');
    await file.abort();
  });

  test('size() of a written file is what was stored', async () => {
    const file = await storage.open('sized.txt', 'wb');
    await file.write('12345');
    await file.close();
    expect(await file.size()).toBe(5);
  });

  test('await using completes the upload', async () => {
    {
      await using file = await storage.open('using.txt', 'w');
      await file.write('done');
    }
    expect((await stored(raw, key('using.txt'))).body.toString()).toBe('done');
  });
});

describe('the write buffers come from the process-wide part pool', () => {
  test('a file holds at most queueSize + 1 parts of the pool while it writes, none once closed', async () => {
    const pool = storage.partBuffers;
    expect(pool.bytesInUse).toBe(0);
    const file = await storage.open('pooled.bin', 'wb');
    let most = 0;
    const written: Buffer[] = [];
    for (let i = 0; i < 24; i++) {
      written.push(block(i));
      await file.write(written[i]);
      most = Math.max(most, pool.bytesInUse);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual((storage.transfer.queueSize + 1) * storage.fileBufferSize);
    expect(pool.bytesHeld).toBeLessThanOrEqual(pool.budget);
    await file.close();
    expect(pool.bytesInUse).toBe(0);
    expect(sha256((await stored(raw, key('pooled.bin'))).body)).toBe(sha256(Buffer.concat(written)));
  });

  test('abort() gives every buffer back', async () => {
    const file = await storage.open('pooled-aborted.bin', 'wb');
    for (let i = 0; i < 12; i++) await file.write(block(i));
    expect(storage.partBuffers.bytesInUse).toBeGreaterThan(0);
    await file.abort();
    expect(storage.partBuffers.bytesInUse).toBe(0);
    expect(await storage.exists('pooled-aborted.bin')).toBe(false);
  });
});
