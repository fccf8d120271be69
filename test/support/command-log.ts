/**
 * A client on the test server that records every command sent through it (name and input),
 * for what the server cannot show: how many requests, and where multipart part boundaries fell.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { rawClient, server } from './s3.js';

export interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

export interface CommandLog {
  client: S3Client;
  sent: SentCommand[];
  /** How many of each command were sent, by name. */
  count(name: string): number;
  names(): string[];
  clear(): void;
}

export function commandLog(): CommandLog {
  const client = rawClient();
  const sent: SentCommand[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      // 'PutObjectCommand' → 'PutObject', the operation's name in the S3 API
      sent.push({ name: context.commandName!.replace(/Command$/, ''), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'commandLog' },
  );
  return {
    client,
    sent,
    count: (name) => sent.filter((command) => command.name === name).length,
    names: () => sent.map((command) => command.name),
    clear: () => void sent.splice(0),
  };
}

/** What the server holds under `key`: its bytes and headers, read with a plain client. */
export async function stored(client: S3Client, key: string) {
  const response = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
  const body = Buffer.from(await response.Body!.transformToByteArray());
  return { ...response, body };
}

export async function head(client: S3Client, key: string) {
  return client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
}

export async function readAll(stream: Readable): Promise<Buffer> {
  return Buffer.concat(await stream.toArray());
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * `size` deterministic pseudo-random bytes in chunks of `chunkSize`, generated as read: a
 * stream of unknown length (no `length`, no `path`) that is never in memory whole. The hash
 * of what was produced is in `digest()` once the stream has ended.
 */
export function generatedStream(size: number, chunkSize = 64 * 1024) {
  const hash = createHash('sha256');
  let state = 0x12345678;
  async function* generate() {
    for (let offset = 0; offset < size; offset += chunkSize) {
      const chunk = Buffer.allocUnsafe(Math.min(chunkSize, size - offset));
      for (let i = 0; i < chunk.length; i += 4) {
        // xorshift32: cheap, deterministic, incompressible enough
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        const word = state >>> 0;
        for (let j = 0; j < 4 && i + j < chunk.length; j++) chunk[i + j] = (word >>> (8 * j)) & 0xff;
      }
      hash.update(chunk);
      yield chunk;
    }
  }
  let digest: string | undefined;
  return {
    generate,
    digest: () => (digest ??= hash.digest('hex')),
  };
}
