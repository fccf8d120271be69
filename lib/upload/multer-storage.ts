/**
 * A multer storage engine that streams each file part into a `Storage` through `save()`, as
 * Django's `FileField` saves an upload: `uploadTo`, `generateFilename`, `getAvailableName`.
 * Only multer's `_handleFile`/`_removeFile` contract is used, which `@nestjs/platform-fastify`
 * keeps as-is, so the same engine serves Express and Fastify.
 *
 * What it guarantees: `size` is the number of bytes counted as the part streams through; a
 * client that goes away aborts the save (no object, no multipart upload left behind) and the
 * callback still comes; a file over `limits.fileSize` is aborted as the limit is crossed, so
 * nothing truncated is ever stored; ACL and object parameters are the storage's settings alone.
 */
import { Transform, type Readable } from 'node:stream';
import { guessType } from '../core/mimetypes.js';
import { Storage, type SavedFile } from '../core/storage.js';
import { storageNameOf } from '../nest/storage-manager.js';
import { checkType, readHead, type TypeCheck } from './allowed-types.js';
import { fileTooLarge, saveError } from './upload-errors.js';
import { uploadName, type UploadTo } from './upload-to.js';
import type { IncomingFile, StoredFile, StoredFileInfo } from './upload.interfaces.js';

export interface MulterStorageOptions {
  /** Folder the client's file name is joined to, or a function of file and request giving the name. */
  uploadTo?: UploadTo;
  /** The storage's name for `req.file.storage`; by default its name in `StorageModule`, if it has one. */
  storageName?: string;
  /**
   * Content types a file may have (`'image/png'`, `'image/*'`), detected from its first bytes
   * as it streams: any other is refused with 415 before anything is stored.
   */
  allowedTypes?: readonly string[];
}

/** multer's `StorageEngine` (and `@nestjs/platform-fastify`'s `MultipartStorageEngine`). */
export interface MulterStorageEngine {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request of any HTTP adapter
  _handleFile(req: any, file: IncomingFile, callback: (error?: any, info?: StoredFileInfo) => void): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request of any HTTP adapter
  _removeFile(req: any, file: Partial<StoredFile>, callback: (error: Error | null) => void): void;
}

/**
 * The storage engine for a plain `FileInterceptor` or `MulterModule`:
 * `FileInterceptor('file', { storage: multerStorage(storage, { uploadTo: 'docs' }) })`.
 */
export function multerStorage(storage: Storage, options: MulterStorageOptions = {}): MulterStorageEngine {
  return new StorageEngine(storage, options);
}

/** busboy's file stream: it ends early, `truncated`, after emitting `limit`. */
type PartStream = Readable & { truncated?: boolean };

class StorageEngine implements MulterStorageEngine {
  constructor(
    private readonly storage: Storage,
    private readonly options: MulterStorageOptions,
  ) {}

  _handleFile(req: unknown, file: IncomingFile, callback: (error?: unknown, info?: StoredFileInfo) => void): void {
    const source = file.stream as PartStream;
    const storageName = this.options.storageName ?? storageNameOf(this.storage);
    let name: string;
    try {
      name = uploadName(this.storage, this.options.uploadTo, file, req);
    } catch (err) {
      source.resume();
      return callback(saveError(err, file.originalname, storageName));
    }

    // Fastify's parser may have hit the limit before the engine is called.
    if (source.truncated) {
      source.resume();
      return callback(fileTooLarge());
    }

    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        size += chunk.length;
        next(null, chunk);
      },
    });
    // The save sees the error through the stream it reads; this only keeps an error that comes
    // before it reads (while it looks for an available name) from going unhandled.
    counter.on('error', () => undefined);

    // The first reason the upload stops: the client went away, the file is too large, or the save failed.
    let failure: unknown;
    const fail = (err: unknown) => {
      if (failure !== undefined) return;
      failure = err;
      source.unpipe(counter);
      // Failing the stream the save reads makes it abort (S3: AbortMultipartUpload) and reject.
      counter.destroy(err as Error);
      // The rest of the part is read and dropped, so the parser goes on to the end of the body.
      source.resume();
    };
    source.on('error', fail);
    source.once('limit', () => fail(fileTooLarge()));

    const save = (checked?: TypeCheck) => {
      if (checked) counter.write(checked.head);
      source.pipe(counter);
      const contentType = checked?.contentType ?? declaredType(file.mimetype);
      savedFile(this.storage, name, counter, contentType).then(
        async ({ name: saved, etag }) => {
          const [url, stat] = await Promise.all([
            this.storage.url(saved).catch(() => undefined),
            // The ETag the write returned (S3: no request); else the stored file's, if the backend has one.
            etag === undefined ? this.storage.stat(saved).catch(() => undefined) : { etag },
          ]);
          callback(null, {
            name: saved,
            size,
            contentType: contentType ?? guessType(saved)[0] ?? 'application/octet-stream',
            ...(checked ? { detectedType: checked.detectedType } : {}),
            storage: storageName,
            url,
            etag: stat?.etag,
          });
        },
        (err: unknown) => {
          // A save that failed because its stream did reports why the stream stopped.
          const streamFailure = failure;
          fail(err);
          callback(streamFailure ?? saveError(err, file.originalname, storageName));
        },
      );
    };
    const allowedTypes = this.options.allowedTypes;
    if (!allowedTypes) return save();

    // The type is known before `save()` is called, so a refused part leaves no object and no
    // multipart upload; only the head detection needs is held meanwhile.
    readHead(source)
      .then((head) => checkType(head, declaredType(file.mimetype), allowedTypes, file.originalname))
      .then(
        (checked) => (failure === undefined ? save(checked) : callback(failure)),
        (err: unknown) => {
          fail(err);
          callback(failure);
        },
      );
  }

  _removeFile(_req: unknown, file: Partial<StoredFile>, callback: (error: Error | null) => void): void {
    if (!file.name) return callback(null);
    this.storage.delete(file.name).then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }
}

/**
 * Saves `body` as `name`, answering the stored name and the entity tag the write returned. A
 * storage whose `save()` is its own (a subclass that overrides it, or a test's `useValue` double)
 * is saved through that `save()`, with no tag.
 */
async function savedFile(
  storage: Storage,
  name: string,
  body: Readable,
  contentType: string | undefined,
): Promise<SavedFile> {
  if (storage.save === Storage.prototype.save) return storage.saveTagged(name, body, { contentType });
  return { name: await storage.save(name, body, { contentType }) };
}

/**
 * The part's content type, unless it says nothing: no type, or `application/octet-stream`,
 * which browsers and `fetch` send for any file they have no type for. The name tells more then.
 */
function declaredType(mimetype: string | undefined): string | undefined {
  const type = mimetype?.trim();
  return type && type.toLowerCase() !== 'application/octet-stream' ? type : undefined;
}
