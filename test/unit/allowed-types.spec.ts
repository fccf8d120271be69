/**
 * `allowedTypes` in the upload engine, with a part stream made by hand: the decision is taken
 * on the head of the stream alone (what was read from the part when it is taken stays within
 * what detection needs), and type patterns match as media ranges do.
 */
import { Readable } from 'node:stream';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { InMemoryStorage, multerStorage, type IncomingFile, type StoredFileInfo } from '../../lib/index.js';
import { DETECTION_BYTES, matchesAny } from '../../lib/upload/allowed-types.js';

const KiB = 1024;
const CHUNK = 64 * KiB;
const GIF_HEADER = Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00', 'latin1');
const PNG_HEADER = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

/** A 16 MiB part, made a chunk at a time as it is read, that counts the bytes read from it. */
function countedPart(header: Buffer, mimetype: string) {
  let pulled = 0;
  let chunks = 0;
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (chunks++ === 256) return this.push(null);
      const chunk = Buffer.alloc(CHUNK, 0x61);
      if (chunks === 1) header.copy(chunk);
      pulled += chunk.length;
      this.push(chunk);
    },
  });
  const file: IncomingFile = { fieldname: 'file', originalname: 'part.png', encoding: '7bit', mimetype, stream };
  return { file, pulled: () => pulled };
}

/** Calls `onSave` as each `save()` of `storage` begins. */
function watchSaves(storage: InMemoryStorage, onSave: () => void): void {
  const save = storage.save.bind(storage);
  storage.save = (...args: Parameters<InMemoryStorage['save']>) => (onSave(), save(...args));
}

function handle(storage: InMemoryStorage, file: IncomingFile, allowedTypes: string[]) {
  return new Promise<{ error?: unknown; info?: StoredFileInfo }>((resolve) =>
    multerStorage(storage, { allowedTypes })._handleFile({}, file, (error, info) => resolve({ error, info })),
  );
}

describe('allowedTypes', () => {
  it('refuses a part on its head alone: what was read of it stays within what detection needs', async () => {
    const storage = new InMemoryStorage();
    let saves = 0;
    watchSaves(storage, () => saves++);
    const { file, pulled } = countedPart(GIF_HEADER, 'image/png');
    let pulledAtRefusal = 0;

    const { error } = await new Promise<{ error?: unknown }>((resolve) =>
      multerStorage(storage, { allowedTypes: ['image/png'] })._handleFile({}, file, (error) => {
        pulledAtRefusal = pulled();
        resolve({ error });
      }),
    );

    expect(error).toBeInstanceOf(UnsupportedMediaTypeException);
    expect(saves).toBe(0);
    // The head, plus at most one chunk and the stream's own read-ahead: never the 16 MiB part.
    expect(pulledAtRefusal).toBeLessThanOrEqual(DETECTION_BYTES + 2 * CHUNK);
  });

  it('holds only the head while it decides, then stores the whole part with the detected type', async () => {
    const storage = new InMemoryStorage();
    const { file, pulled } = countedPart(PNG_HEADER, 'application/octet-stream');
    let pulledAtSave = 0;
    watchSaves(storage, () => (pulledAtSave = pulled()));

    const { error, info } = await handle(storage, file, ['image/*']);

    expect(error).toBeNull();
    expect(pulledAtSave).toBeLessThanOrEqual(DETECTION_BYTES + 2 * CHUNK);
    expect(info).toMatchObject({ size: 256 * CHUNK, contentType: 'image/png', detectedType: 'image/png' });
    expect(await storage.size(info!.name)).toBe(256 * CHUNK);
  });

  it('detects an empty part as nothing, and refuses it', async () => {
    const empty: IncomingFile = {
      fieldname: 'file',
      originalname: 'empty.png',
      encoding: '7bit',
      mimetype: 'image/png',
      stream: Readable.from([]),
    };
    const { error } = await handle(new InMemoryStorage(), empty, ['image/png']);
    expect((error as Error).message).toBe("File 'empty.png' is empty; allowed types: image/png");
  });

  it.each([
    ['image/png', ['image/png'], true],
    ['image/png', ['image/*'], true],
    ['image/png', ['*/*'], true],
    ['image/png', ['image/jpeg', 'application/pdf'], false],
    ['image/png', ['IMAGE/PNG'], true],
    ['application/pdf', ['image/*'], false],
  ])('%s matches %j: %s', (type, patterns, expected) => {
    expect(matchesAny(type, patterns)).toBe(expected);
  });
});
