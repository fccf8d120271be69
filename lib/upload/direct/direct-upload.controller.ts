/**
 * The HTTP routes `@uppy/aws-s3` calls when its `companionEndpoint` is `/<path>` (Companion's S3
 * routes), over one S3 storage: the browser sends the bytes straight to S3, and the server
 * names every object, signs each request, and checks the result.
 *
 *   GET    /<path>/s3/params?filename&type                one presigned POST (small files)
 *   POST   /<path>/s3/multipart  { filename, type }       start a multipart upload
 *   GET    /<path>/s3/multipart/:uploadId/:partNumber?key  a presigned UploadPart URL
 *   GET    /<path>/s3/multipart/:uploadId?key              the parts uploaded so far
 *   POST   /<path>/s3/multipart/:uploadId/complete?key     { parts: [{ PartNumber, ETag }] }
 *   DELETE /<path>/s3/multipart/:uploadId?key              abort
 */
import { Readable } from 'node:stream';
import {
  BadGatewayException,
  BadRequestException,
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  HttpException,
  Inject,
  InternalServerErrorException,
  Logger,
  NotFoundException,
  NotImplementedException,
  Param,
  PayloadTooLargeException,
  Post,
  Query,
  Req,
  UnsupportedMediaTypeException,
  UseGuards,
  UseInterceptors,
  type Type,
} from '@nestjs/common';
import { MAX_PARTS } from '../../backends/s3/s3-direct-multipart.js';
import type { S3Storage } from '../../backends/s3/s3-storage.js';
import {
  FileNotFoundError,
  ImproperlyConfigured,
  NotImplementedError,
  StorageError,
  SuspiciousOperation,
} from '../../core/errors.js';
import { guessType } from '../../core/mimetypes.js';
import type { Storage } from '../../core/storage.js';
import { StorageManager } from '../../nest/storage-manager.js';
import { DEFAULT_STORAGE_NAME } from '../../nest/storage.tokens.js';
import { uploadName } from '../upload-to.js';
import { checkType, DETECTION_BYTES, matchesAny } from '../allowed-types.js';
import type { StorageUploadModuleOptions } from './storage-upload-module-options.interface.js';
import { UploadTokens } from './upload-token.js';

/** What the routes need of a storage: `S3Storage`'s direct uploads. */
type DirectUploadStorage = Storage &
  Pick<
    S3Storage,
    | 'uploadUrl'
    | 'createMultipartUpload'
    | 'signUploadPart'
    | 'listUploadParts'
    | 'completeMultipartUpload'
    | 'abortMultipartUpload'
  >;

const DIRECT_UPLOAD_METHODS = [
  'uploadUrl',
  'createMultipartUpload',
  'signUploadPart',
  'listUploadParts',
  'completeMultipartUpload',
  'abortMultipartUpload',
] as const;

/** S3's smallest part (every part but the last): a part number past `maxSize` / 5 MiB + 1 cannot fit. */
const MIN_PART_SIZE = 5 * 1024 * 1024;

const logger = new Logger('StorageUpload');

/** A controller class serving the routes under `/<path>/s3` with these options. */
export function directUploadController(options: StorageUploadModuleOptions): Type<unknown> {
  const {
    storage: storageName = DEFAULT_STORAGE_NAME,
    path = 'storage-uploads',
    uploadTo,
    maxSize,
    allowedTypes,
    expire,
    guards = [],
    interceptors = [],
  } = options;
  if (maxSize !== undefined && !(Number.isSafeInteger(maxSize) && maxSize >= 0)) {
    throw new ImproperlyConfigured(`StorageUploadModule maxSize must be a whole number of bytes, not ${maxSize}`);
  }
  const route = `${path.replace(/^\/+|\/+$/g, '')}/s3`;
  const tokens = new UploadTokens(`${route}\0${storageName}`, options.secret);

  @Controller(route)
  @UseGuards(...guards)
  @UseInterceptors(...interceptors)
  class DirectUploadController {
    private readonly storage: DirectUploadStorage;

    constructor(@Inject(StorageManager) storages: StorageManager) {
      const storage = storages.get(storageName);
      const missing = DIRECT_UPLOAD_METHODS.filter((method) => typeof (storage as never)[method] !== 'function');
      if (missing.length) {
        throw new ImproperlyConfigured(
          `StorageUploadModule needs a storage with direct uploads (S3Storage); '${storageName}' is a ${storage.constructor.name}`,
        );
      }
      this.storage = storage as DirectUploadStorage;
    }

    /** One presigned POST for the whole file, at most `maxSize` bytes by its policy. */
    @Get('params')
    async params(@Query() query: Record<string, unknown>, @Req() req: unknown) {
      return answer(async () => {
        const { filename, type } = declaredFile(query);
        if (allowedTypes) {
          throw new BadRequestException(
            'Uploads of checked types go up as multipart uploads (Uppy: shouldUseMultipart: true), whose completion lets the server check the content',
          );
        }
        const name = await this.freeName(filename, type, req);
        const { url, fields } = await this.storage.uploadUrl(name, { expire, contentType: type, maxSize });
        return { method: 'POST', url, fields, expires: expire ?? (this.storage as S3Storage).querystringExpire };
      });
    }

    /** Starts a multipart upload under a name the server chooses; `key` is that storage name. */
    @Post('multipart')
    @HttpCode(200)
    async create(@Body() body: unknown, @Req() req: unknown) {
      return answer(async () => {
        const { filename, type, size } = declaredFile(body);
        // No declared type: the one the name suggests, as the storage will store it.
        const declared = type ?? guessType(filename)[0];
        if (allowedTypes && !(declared && matchesAny(declared.split(';')[0].trim().toLowerCase(), allowedTypes))) {
          throw new UnsupportedMediaTypeException(`Files of type '${declared ?? 'unknown'}' are not accepted`);
        }
        if (maxSize !== undefined && size !== undefined && size > maxSize) throw tooLarge();
        const name = await this.freeName(filename, type, req);
        const { name: key, uploadId } = await this.storage.createMultipartUpload(name, { contentType: type });
        return { key, uploadId: tokens.issue(uploadId, key) };
      });
    }

    /** A presigned URL for one part; S3 answers the part's ETag to the browser. */
    @Get('multipart/:uploadId/:partNumber')
    async signPart(
      @Param('uploadId') token: string,
      @Param('partNumber') partNumber: string,
      @Query('key') key: unknown,
    ) {
      return answer(async () => {
        const number = /^\d{1,5}$/.test(partNumber) ? Number(partNumber) : NaN;
        if (!(number >= 1 && number <= MAX_PARTS)) {
          throw new BadRequestException(`A part number is a whole number from 1 to ${MAX_PARTS}, not '${partNumber}'`);
        }
        const { name, uploadId } = verified(token, key);
        // Every part but the last is at least 5 MiB: a part this far in means more than maxSize bytes.
        if (maxSize !== undefined && (number - 1) * MIN_PART_SIZE > maxSize) throw tooLarge();
        return { url: await this.storage.signUploadPart(name, uploadId, number, { expire }), expires: expire };
      });
    }

    /** The parts S3 holds, in Companion's shape. */
    @Get('multipart/:uploadId')
    async listParts(@Param('uploadId') token: string, @Query('key') key: unknown) {
      return answer(async () => {
        const { name, uploadId } = verified(token, key);
        const parts = await this.storage.listUploadParts(name, uploadId);
        return parts.map(({ partNumber, etag, size }) => ({ PartNumber: partNumber, ETag: etag, Size: size }));
      });
    }

    /**
     * Completes the upload, then checks what S3 holds: more than `maxSize` bytes (413) or content
     * of a type outside `allowedTypes` (415) is deleted. `location` is the file's `url()`.
     */
    @Post('multipart/:uploadId/complete')
    @HttpCode(200)
    async complete(@Param('uploadId') token: string, @Query('key') key: unknown, @Body() body: unknown) {
      return answer(async () => {
        const { name, uploadId } = verified(token, key);
        const parts = completedParts(body);
        const stat = await this.storage.completeMultipartUpload(name, uploadId, parts);
        if (maxSize !== undefined && stat.size > maxSize) {
          await this.storage.delete(name);
          throw tooLarge();
        }
        if (allowedTypes) {
          const head = await this.head(name);
          await checkType(head, stat.contentType, allowedTypes, name).catch(async (err: unknown) => {
            await this.storage.delete(name);
            throw err;
          });
        }
        return { location: await this.storage.url(name), key: name };
      });
    }

    /** Aborts the upload; S3 drops its parts. */
    @Delete('multipart/:uploadId')
    async abort(@Param('uploadId') token: string, @Query('key') key: unknown) {
      return answer(async () => {
        const { name, uploadId } = verified(token, key);
        await this.storage.abortMultipartUpload(name, uploadId);
        return {};
      });
    }

    /** The name the server gives the client's file: `uploadTo`, `generateFilename`, then `getAvailableName`. */
    private async freeName(filename: string, type: string | undefined, req: unknown): Promise<string> {
      const file = {
        fieldname: 'file',
        originalname: filename,
        encoding: '7bit',
        mimetype: type ?? 'application/octet-stream',
        // The bytes go from the browser to S3: the server never has them.
        stream: Readable.from([]),
      };
      return this.storage.getAvailableName(uploadName(this.storage, uploadTo, file, req));
    }

    /** The file's first bytes, enough for its magic numbers: one ranged GET. */
    private async head(name: string): Promise<Buffer> {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.storage.createReadStream(name, { start: 0, end: DETECTION_BYTES - 1 })) {
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks);
    }
  }

  /** The storage name and S3's upload id of a client's `uploadId` and `key`, if the server handed them out. */
  function verified(token: string, key: unknown): { name: string; uploadId: string } {
    if (typeof key !== 'string' || !key) {
      throw new BadRequestException('The object key must be passed as a query parameter: ?key=...');
    }
    const result = tokens.verify(token, key);
    if ('refused' in result) {
      if (result.refused === 'unknown') throw new NotFoundException('Unknown upload');
      throw new ForbiddenException(`The upload is not one of '${key}'`);
    }
    return { name: key, uploadId: result.uploadId };
  }

  return DirectUploadController;
}

/** `filename`, `type` and (optional) `size` the client declares for its file. */
function declaredFile(input: unknown): { filename: string; type?: string; size?: number } {
  const { filename, type, size } = (typeof input === 'object' && input !== null ? input : {}) as Record<
    string,
    unknown
  >;
  if (typeof filename !== 'string' || !filename.trim()) {
    throw new BadRequestException("The file's name must be given as 'filename'");
  }
  if (type !== undefined && typeof type !== 'string') throw new BadRequestException("'type' must be a string");
  if (size !== undefined && !(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) {
    throw new BadRequestException("'size' must be a whole number of bytes");
  }
  // No declared type (or the catch-all) leaves the storage to guess it from the name, as save() does.
  const declared = type && type !== 'application/octet-stream' ? type : undefined;
  return { filename, type: declared, size };
}

/** The `parts` of a completion body, as the storage takes them. */
function completedParts(body: unknown): Array<{ partNumber: number; etag: string }> {
  const parts = (body as { parts?: unknown } | undefined)?.parts;
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > MAX_PARTS) {
    throw new BadRequestException('The body must be { parts: [{ PartNumber, ETag }, ...] }');
  }
  return parts.map((part: { PartNumber?: unknown; ETag?: unknown }) => {
    const partNumber = Number(part?.PartNumber);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS || typeof part.ETag !== 'string') {
      throw new BadRequestException(`Each part is { PartNumber: 1 to ${MAX_PARTS}, ETag: string }`);
    }
    return { partNumber, etag: part.ETag };
  });
}

function tooLarge(): PayloadTooLargeException {
  return new PayloadTooLargeException('File too large');
}

/**
 * Runs a route, answering failures as HTTP errors: the client's (bad input, an upload S3 does
 * not know) as 4xx, the storage's as 502, a misconfigured storage as 501. Details of storage
 * failures are logged, not sent.
 */
async function answer<T>(route: () => Promise<T>): Promise<T> {
  try {
    return await route();
  } catch (err) {
    if (err instanceof HttpException) throw err;
    if (err instanceof FileNotFoundError) throw new NotFoundException('Unknown upload', { cause: err });
    if (err instanceof SuspiciousOperation || err instanceof RangeError) {
      throw new BadRequestException(err.message, { cause: err });
    }
    logger.error(`Direct upload failed: ${(err as Error)?.message ?? String(err)}`, (err as Error)?.stack);
    if (err instanceof NotImplementedError) throw new NotImplementedException(err.message, { cause: err });
    if (err instanceof StorageError) throw new BadGatewayException('The storage failed', { cause: err });
    throw new InternalServerErrorException('Direct upload failed', { cause: err });
  }
}
