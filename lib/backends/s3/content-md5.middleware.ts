/**
 * `Content-MD5` on every write whose body is in memory, when the SDK's flexible checksums are
 * off (`requestChecksumCalculation: 'WHEN_REQUIRED'`, the default for third-party endpoints), and on
 * every DeleteObjects. An object or part that carries it is sent with an unsigned payload
 * (`x-amz-content-sha256: UNSIGNED-PAYLOAD`, as botocore does over https when Content-MD5 is
 * set): its MD5 is signed, so the body is still bound to the signature, and hashed once.
 * The server then refuses a body that changed on the way (400 BadDigest) instead of storing it,
 * even where the payload is not signed. That refusal, and the signature's own one
 * (XAmzContentSHA256Mismatch, where the SDK signed the payload's SHA-256), are retried: the body
 * is in memory, so the retry sends the right bytes again.
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { HttpRequest } from '@smithy/core/transport';

/** The writes that carry a body worth checking: an object, a part, and a bulk delete's key list. */
const CHECKED_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand', 'DeleteObjectsCommand']);

/** The server's word that the bytes it got are not the bytes the client hashed. */
const BODY_CHANGED = new Set(['BadDigest', 'XAmzContentSHA256Mismatch']);

/** What the build step tells the retry loop: the body is in memory and its digest ours. */
interface DigestContext {
  digestedBody?: boolean;
}

/**
 * Adds the middleware pair to `client`: one computes `Content-MD5` once per command, before
 * signing, so every attempt sends (and signs) it; the other, inside the retry loop, makes the
 * server's BadDigest refusal of a checked body a retryable error.
 */
export function addContentMd5(client: S3Client): void {
  const checksumMode = client.config.requestChecksumCalculation;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request;
      const command = context.commandName ?? '';
      if (
        CHECKED_COMMANDS.has(command) &&
        HttpRequest.isInstance(request) &&
        inMemory(request.body) &&
        // S3 requires an integrity header on DeleteObjects; servers that predate flexible
        // checksums accept only Content-MD5, so it is sent there whatever the checksum mode.
        (command === 'DeleteObjectsCommand' || (await checksumMode()) === 'WHEN_REQUIRED')
      ) {
        // A digest the caller computed while filling the body (the multipart writer's) is kept.
        if (!hasHeader(request.headers, 'content-md5')) request.headers['content-md5'] = md5Of(request.body);
        (context as DigestContext).digestedBody = true;
        // The server checks an object's body by its MD5, a signed header: hashing it a second
        // time with SHA-256 for the signature adds CPU (0.6 s a GiB) and no check.
        if (command !== 'DeleteObjectsCommand' && !hasHeader(request.headers, 'x-amz-content-sha256')) {
          request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        }
      }
      return next(args);
    },
    // Build step, after the SDK's own checksum middleware (a caller's or its header is kept).
    { step: 'build', priority: 'low', name: 'storageContentMd5Middleware', override: true },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if ((context as DigestContext).digestedBody && BODY_CHANGED.has((err as { name?: string })?.name ?? '')) {
          // The bytes the server got are not the bytes sent: the way, not the body, was at fault.
          (err as { $retryable?: object }).$retryable = {};
        }
        throw err;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'storageBadDigestRetryMiddleware', override: true },
  );
}

/** Whether `body` is in memory: a stream cannot be hashed without reading it, nor sent again. */
function inMemory(body: unknown): body is string | Uint8Array {
  return typeof body === 'string' || body instanceof Uint8Array;
}

/** The base64 MD5 of an in-memory body. */
function md5Of(body: string | Uint8Array): string {
  return (typeof body === 'string' ? createHash('md5').update(body, 'utf8') : createHash('md5').update(body)).digest(
    'base64',
  );
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}
