/**
 * How a failed save reads over HTTP. The engine answers with Nest's HTTP exceptions itself, so
 * a plain `FileInterceptor` on either adapter gives the same statuses as the storage
 * interceptors: the adapters pass an `HttpException` from an engine through unchanged.
 */
import {
  BadGatewayException,
  BadRequestException,
  HttpException,
  InternalServerErrorException,
  Logger,
  PayloadTooLargeException,
} from '@nestjs/common';
import { StorageError, SuspiciousOperation } from '../core/errors.js';

const logger = new Logger('StorageUpload');

/** multer's `LIMIT_FILE_SIZE`, in its words, for the adapters that report the limit through the engine. */
export function fileTooLarge(): PayloadTooLargeException {
  return new PayloadTooLargeException('File too large');
}

/**
 * A failed `save()` as an HTTP exception: a name that cannot be stored is the client's fault
 * (400, as Django answers `SuspiciousOperation`); a storage that failed or could not be reached
 * is a 502, the app being the client's gateway to it; anything else a 500. The response says
 * what failed without the storage's details; those are logged, the error kept as `cause`.
 */
export function saveError(err: unknown, originalname: string, storageName: string | undefined): HttpException {
  if (err instanceof HttpException) return err;
  if (err instanceof SuspiciousOperation) return new BadRequestException(err.message, { cause: err });
  const storage = storageName === undefined ? 'the storage' : `storage '${storageName}'`;
  const message = `Could not save '${originalname}' to ${storage}`;
  logger.error(`${message}: ${(err as Error)?.message ?? String(err)}`, (err as Error)?.stack);
  if (err instanceof StorageError) {
    return new BadGatewayException(`${message}: ${storageFailure(err)}`, { cause: err });
  }
  return new InternalServerErrorException(message, { cause: err });
}

/** What went wrong in a word: the server's error code and status, or the network error's code. */
function storageFailure(err: StorageError): string {
  const cause = err.cause as { name?: string; code?: string; message?: string } | undefined;
  if (err.statusCode) return `the storage answered ${cause?.name ?? 'an error'} (HTTP ${err.statusCode})`;
  // The SDK wraps a network error that is not an `Error` of this realm into its message only.
  const code = cause?.code ?? /\b(E[A-Z_]{4,})\b/.exec(cause?.message ?? '')?.[1];
  return `the storage could not be reached${code ? ` (${code})` : ''}`;
}
