/**
 * What a storage's client sends, recorded by a middleware after signing: for what no server
 * shows (ACL, SSE and checksum parameters, the signing key and region, the host addressed).
 */
import type { S3Client } from '@aws-sdk/client-s3';

export interface SentRequest {
  /** The SDK command, such as 'PutObjectCommand'. */
  command: string;
  input: Record<string, unknown>;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
}

/** Thrown in place of sending, by a recorder made with `{ send: false }`. */
export class NotSent extends Error {
  override name = 'NotSent';
}

/**
 * Records every request `client` sends, as signed. With `send: false` nothing leaves the process:
 * each call fails with `NotSent` once recorded (for hosts that do not exist, such as AWS's, or
 * parameters the test server cannot take). `send` may also choose by command name.
 */
export function recordRequests(
  client: S3Client,
  { send = true }: { send?: boolean | ((command: string) => boolean) } = {},
): SentRequest[] {
  const sent: SentRequest[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as Omit<SentRequest, 'command' | 'input'>;
      sent.push({
        command: context.commandName!,
        input: args.input as Record<string, unknown>,
        protocol: request.protocol,
        hostname: request.hostname,
        port: request.port,
        path: request.path,
        headers: { ...request.headers },
      });
      if (!(typeof send === 'function' ? send(context.commandName!) : send)) {
        throw new NotSent(`${context.commandName} not sent`);
      }
      return next(args);
    },
    { step: 'deserialize' },
  );
  return sent;
}

/** The access key and region a request was signed with, from its Authorization header. */
export function signedWith(request: SentRequest): { accessKey: string; region: string } {
  const match = /Credential=([^/]+)\/\d{8}\/([^/]+)\/s3\/aws4_request/.exec(request.headers.authorization ?? '');
  if (!match) throw new Error(`not signed with SigV4: ${request.headers.authorization}`);
  return { accessKey: match[1], region: match[2] };
}

/** Awaits a storage call that a `{ send: false }` recorder stopped (the storage wraps `NotSent`). */
export async function notSent(call: Promise<unknown>): Promise<void> {
  const error = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof NotSent) && !((error as Error | undefined)?.cause instanceof NotSent)) {
    throw new Error(`expected the request to be stopped before sending, got ${String(error)}`);
  }
}
