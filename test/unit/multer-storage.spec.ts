import { createHash } from 'node:crypto';
/**
 * The upload engine against InMemoryStorage, with the part stream made by hand: naming
 * (`uploadTo`, Django's name rules), what `req.file` gets, and how a failing stream ends.
 */
import { PassThrough, Readable } from 'node:stream';
import { BadRequestException, HttpException } from '@nestjs/common';
import {
  InMemoryStorage,
  multerStorage,
  type IncomingFile,
  type MulterStorageOptions,
  type StoredFileInfo,
} from '../../lib/index.js';
import { strftime } from '../../lib/upload/upload-to.js';

function part(originalname: string, content: Readable | string, mimetype = 'text/plain'): IncomingFile {
  const stream = typeof content === 'string' ? Readable.from([Buffer.from(content)]) : content;
  return { fieldname: 'file', originalname, encoding: '7bit', mimetype, stream };
}

function handle(storage: InMemoryStorage, file: IncomingFile, options?: MulterStorageOptions, req: object = {}) {
  return new Promise<{ error?: unknown; info?: StoredFileInfo }>((resolve) =>
    multerStorage(storage, options)._handleFile(req, file, (error, info) => resolve({ error, info })),
  );
}

describe('multerStorage', () => {
  it('saves the part under uploadTo joined with the client file name, and describes it', async () => {
    const storage = new InMemoryStorage({ baseUrl: '/media/' });
    const { error, info } = await handle(storage, part('hello.txt', 'hello'), {
      uploadTo: 'docs',
      storageName: 'media',
    });

    expect(error).toBeNull();
    expect(info).toEqual({
      name: 'docs/hello.txt',
      size: 5,
      contentType: 'text/plain',
      storage: 'media',
      url: '/media/docs/hello.txt',
      etag: createHash('md5').update('hello').digest('hex'),
    });
    expect(await (await storage.open('docs/hello.txt')).read()).toEqual(Buffer.from('hello'));
  });

  it('saves through a save() the storage overrides, and then takes the ETag from stat()', async () => {
    const saved: string[] = [];
    class AuditedStorage extends InMemoryStorage {
      override async save(...args: Parameters<InMemoryStorage['save']>): Promise<string> {
        const name = await super.save(...args);
        saved.push(name);
        return name;
      }
    }
    const { error, info } = await handle(new AuditedStorage(), part('audited.txt', 'audit'));

    expect(error).toBeNull();
    expect(saved).toEqual(['audited.txt']);
    expect(info?.etag).toBe(createHash('md5').update('audit').digest('hex'));
  });

  it("keeps only the last segment of a client's path, made valid as Django's get_valid_name", async () => {
    const storage = new InMemoryStorage();
    const { info } = await handle(storage, part('C:\\Users\\me\\my report (final).txt', 'x'), { uploadTo: 'docs' });

    expect(info).toMatchObject({ name: 'docs/my_report_final.txt', url: 'docs/my_report_final.txt' });
  });

  it('takes the whole name from an uploadTo function, and refuses one that climbs out with 400', async () => {
    const storage = new InMemoryStorage();
    const req = { user: 7 };
    const named = await handle(
      storage,
      part('a.txt', 'a'),
      { uploadTo: (file, r) => `u/${r.user}/${file.fieldname}.txt` },
      req,
    );
    expect(named.info?.name).toBe('u/7/file.txt');

    const climbing = await handle(storage, part('a.txt', 'a'), { uploadTo: () => '../outside.txt' });
    expect(climbing.error).toBeInstanceOf(BadRequestException);
    expect((climbing.error as Error).message).toBe("Detected path traversal attempt in '../outside.txt'");
  });

  it('guesses the content type from the name when the part says application/octet-stream', async () => {
    const { info } = await handle(new InMemoryStorage(), part('photo.png', 'png', 'application/octet-stream'));
    expect(info?.contentType).toBe('image/png');
  });

  it('gives a second upload of the same name a name of its own when the storage does not overwrite', async () => {
    const storage = new InMemoryStorage({ fileOverwrite: false });
    await handle(storage, part('same.txt', 'one'));
    const { info } = await handle(storage, part('same.txt', 'two'));
    expect(info?.name).toMatch(/^same_[A-Za-z0-9]{7}\.txt$/);
  });

  it('calls back with the stream error and stores nothing when the client goes away', async () => {
    const storage = new InMemoryStorage();
    const stream = new PassThrough();
    const result = handle(storage, part('gone.bin', stream));
    stream.write(Buffer.alloc(1000));
    stream.destroy(new Error('Request aborted'));

    expect((await result).error).toEqual(new Error('Request aborted'));
    expect(await storage.exists('gone.bin')).toBe(false);
  });

  it("answers 413 as the parser reports the limit, before the part's end, and stores nothing", async () => {
    const storage = new InMemoryStorage();
    const stream = new PassThrough();
    const result = handle(storage, part('big.bin', stream));
    stream.write(Buffer.alloc(1025));
    stream.emit('limit');
    stream.end();

    const { error } = await result;
    expect(error).toBeInstanceOf(HttpException);
    expect((error as HttpException).getStatus()).toBe(413);
    expect(await storage.exists('big.bin')).toBe(false);
  });

  it('removes a stored file, and a file that was never stored is no error', async () => {
    const storage = new InMemoryStorage();
    const engine = multerStorage(storage);
    const { info } = await handle(storage, part('x.txt', 'x'));
    const remove = (file: object) => new Promise((resolve) => engine._removeFile({}, file, resolve));

    expect(await remove({ ...info })).toBeNull();
    expect(await storage.exists('x.txt')).toBe(false);
    expect(await remove({})).toBeNull();
  });
});

describe('strftime', () => {
  it("expands the directives of Django's upload_to folders, in local time", () => {
    const date = new Date(2024, 1, 3, 4, 5, 6);
    expect(strftime('uploads/%Y/%m/%d/%H%M%S/100%%/%q', date)).toBe('uploads/2024/02/03/040506/100%/%q');
  });
});
