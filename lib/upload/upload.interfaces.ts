/**
 * The shapes of an upload, as multer's storage engine contract has them. Written out here rather
 * than imported from multer or an HTTP adapter, so the engine serves Express (multer) and
 * Fastify (`@nestjs/platform-fastify` multipart) alike and neither is needed to compile against.
 */
import type { Readable } from 'node:stream';
import type { UploadTo } from './upload-to.js';

/** A file part as a storage engine receives it (multer's `file` before `_handleFile`). */
export interface IncomingFile {
  /** The form field the file came in. */
  fieldname: string;
  /** The file name the client sent. */
  originalname: string;
  encoding: string;
  /** The content type the client declared for the part. */
  mimetype: string;
  /** The part's bytes; only the storage engine reads it. */
  stream: Readable;
}

/** What the engine adds to the file: `req.file` / each of `req.files` once stored. */
export interface StoredFileInfo {
  /** The name the file was saved under, as `save()` returned it (relative to the storage's `location`). */
  name: string;
  /** Bytes received and stored, counted by the engine as they streamed through. */
  size: number;
  /**
   * The content type stored: the part's declared type, or, when the client declared none or
   * `application/octet-stream`, the type guessed from the name (the storage guesses it in `save()`).
   */
  contentType: string;
  /**
   * With `allowedTypes`: the type the file's first bytes carry a signature of (`'image/png'`);
   * absent when they carry none (text, JSON, SVG), which were then accepted on their declared type.
   */
  detectedType?: string;
  /** The name of the storage the file was saved to, when known. */
  storage?: string;
  /** `storage.url(name)`; absent when the storage gives no URL (an `InMemoryStorage` without `baseUrl`). */
  url?: string;
  /** The stored object's entity tag, without quotes (`stat(name).etag`); absent on a backend without ETags. */
  etag?: string;
}

/** `req.file` after an upload: multer's fields and the engine's. */
export type StoredFile = Omit<IncomingFile, 'stream'> & StoredFileInfo;

/** multer's `limits` (busboy's); a function of the request is evaluated once per request. */
export interface UploadLimits {
  /** Max field name size in bytes. */
  fieldNameSize?: number;
  /** Max field value size in bytes. */
  fieldSize?: number;
  /** Max number of non-file fields. */
  fields?: number;
  /** Max file size in bytes: a larger file is answered 413 and nothing of it is kept. */
  fileSize?: number;
  /** Max number of files. */
  files?: number;
  /** Max number of parts (fields and files). */
  parts?: number;
  /** Max number of header key-value pairs of a part. */
  headerPairs?: number;
}

/**
 * multer's `fileFilter`: `callback(null, true)` stores the file, `callback(null, false)` skips
 * it, `callback(error)` fails the request; an `HttpException` keeps its status.
 */
export type FileFilter = (
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request of any HTTP adapter
  req: any,
  file: Omit<IncomingFile, 'stream'>,
  callback: (error: Error | null, acceptFile?: boolean) => void,
) => void;

/** Options of `StorageFileInterceptor` and `StorageFilesInterceptor`. */
export interface StorageUploadOptions {
  /** The name of the storage in `StorageModule`'s `storages`; default `'default'`. */
  storage?: string;
  /** Where in the storage files go: a folder, or a function of the file and request giving the name. */
  uploadTo?: UploadTo;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request of any HTTP adapter
  limits?: UploadLimits | ((req: any) => UploadLimits);
  fileFilter?: FileFilter;
  /**
   * Content types a file may have (`'image/png'`, `'image/*'`), detected from its first bytes as
   * it streams (magic numbers, not the client's word): any other is refused with 415 before
   * anything is stored. Types without a magic number (`text/*`, JSON, SVG) are accepted on the
   * declared type when the first bytes carry no binary signature.
   */
  allowedTypes?: readonly string[];
}
