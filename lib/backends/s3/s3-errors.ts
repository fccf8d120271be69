/** How S3 failures read: a missing object is recognised; anything else becomes a `StorageError`. */
import { FileNotFoundError, StorageError } from '../../core/errors.js';

export function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** How many times the SDK sent the request that failed (retries included). */
export function attemptsOf(err: unknown): number {
  return (err as { $metadata?: { attempts?: number } })?.$metadata?.attempts ?? 1;
}

export function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return statusOf(err) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

/** An SDK failure as a `StorageError` naming the operation and key, the SDK error kept as `cause`. */
export function s3Error(operation: string, key: string, err: unknown): unknown {
  if (err instanceof StorageError || err instanceof FileNotFoundError || !(err instanceof Error)) return err;
  const statusCode = statusOf(err);
  const status = statusCode ? ` (HTTP ${statusCode})` : '';
  return new StorageError(`S3 ${operation} of '${key}' failed${status}: ${err.name}: ${err.message}`, {
    cause: err,
    statusCode,
  });
}
