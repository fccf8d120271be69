/**
 * `deleteMany()` on S3: one DeleteObjects request per batch of up to 1,000 keys, in quiet mode
 * (the answer lists only the keys that failed); the client's Content-MD5 middleware
 * (content-md5.middleware.ts) signs its body. A key that does not exist counts as deleted, as
 * `delete()` has it.
 */
import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { StorageError } from '../../core/errors.js';
import type { DeleteFailure } from '../../core/storage-entries.js';
import { s3Error } from './s3-errors.js';

/** S3's limit on the keys of one DeleteObjects request. */
export const MAX_DELETE_KEYS = 1000;

/**
 * Deletes `keys` (key → the storage name it came from) in one request. A request that fails as
 * a whole fails every name in it; otherwise each key the server could not delete fails its name.
 */
export async function deleteObjects(
  client: S3Client,
  bucket: string,
  keys: Map<string, string>,
): Promise<DeleteFailure[]> {
  if (!keys.size) return [];
  const command = new DeleteObjectsCommand({
    Bucket: bucket,
    Delete: { Objects: [...keys.keys()].map((Key) => ({ Key })), Quiet: true },
  });
  let errors;
  try {
    ({ Errors: errors } = await client.send(command));
  } catch (err) {
    const failure = s3Error('DeleteObjects', `${keys.size} keys`, err);
    return [...keys.values()].map((name) => ({ name, error: failure }));
  }
  const failures: DeleteFailure[] = [];
  for (const { Key, Code, Message } of errors ?? []) {
    if (Code === 'NoSuchKey') continue;
    const name = keys.get(Key!) ?? Key!;
    failures.push({ name, error: new StorageError(`S3 DeleteObjects could not delete '${Key}': ${Code}: ${Message}`) });
  }
  return failures;
}
