/**
 * The body of a GetObject answer, read so that it can never pass for a shorter file.
 *
 * The SDK retries a request until its answer's headers arrive; a body that breaks off after
 * that (a reset connection, a proxy's timeout, a socket timeout) is the caller's problem, and
 * a reader that stops at the break would take the bytes so far for the whole file. Here the
 * bytes are counted against the answer's Content-Length, and a body that breaks off is resumed
 * where it stopped with a ranged GET carrying `If-Match: <ETag>`, so that the rest of a replaced
 * object is never spliced onto the start of the old one (the ETag is compared too, for servers
 * that ignore `If-Match`). As the SDK's own retries, resuming follows the client's `maxAttempts`:
 * after that many GETs in a row that each broke off before a single byte arrived, or at once with
 * `maxAttempts: 1`, the read fails with a `StorageError` naming the key.
 */
import { Readable } from 'node:stream';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { StorageError } from '../../core/errors.js';
import type { S3Gateway } from './s3-gateway.js';

export class ObjectBody extends Readable {
  private body?: Readable;
  /** Bytes passed on so far. */
  private received = 0;
  /** GETs in a row that broke off without delivering a byte. */
  private failures = 0;
  private readonly etag?: string;
  /** First byte of the object this body starts at, and last one it ends at (inclusive). */
  private readonly first: number;
  private readonly last?: number;
  /** Bytes the whole body has, when the server said. */
  private readonly length?: number;

  constructor(
    private readonly gateway: S3Gateway,
    /** The object's key (errors name it), and the name `getObjectParameters` is asked about. */
    private readonly key: string,
    private readonly name: string,
    response: GetObjectCommandOutput,
  ) {
    // One socket read (64 KiB) fits without pausing the connection: at the default 16 KiB every
    // chunk of a fast reader paused and resumed the socket, a stall per chunk.
    super({ highWaterMark: 64 * 1024 });
    this.etag = response.ETag;
    this.length = response.ContentLength;
    const range = parseContentRange(response.ContentRange);
    this.first = range?.first ?? 0;
    this.last = range?.last ?? (this.length === undefined ? undefined : this.length - 1);
    this.attach(response.Body as Readable);
  }

  override _read(): void {
    this.body?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.body?.destroy();
    this.body = undefined;
    callback(error);
  }

  private attach(body: Readable): void {
    this.body = body;
    let delivered = 0;
    const onData = (chunk: Buffer) => {
      delivered += chunk.length;
      this.received += chunk.length;
      if (!this.push(chunk)) body.pause();
    };
    const done = (error?: Error) => {
      body.off('data', onData).off('end', onEnd).off('error', done).off('close', onClose);
      body.on('error', () => undefined); // whatever a broken body still says is already handled
      if (this.destroyed) return;
      if (!error && (this.length === undefined || this.received === this.length)) {
        this.body = undefined;
        this.push(null);
        return;
      }
      body.destroy();
      this.body = undefined;
      error ??= new Error(`the body ended after ${this.received} of ${this.length} bytes`);
      this.resumeAfter(error, delivered).catch((err: unknown) => this.destroy(err as Error));
    };
    const onEnd = () => done();
    // A body destroyed from below without an error: as short as any other break.
    const onClose = () => done(new Error('the connection closed before the body ended'));
    body.on('data', onData).once('end', onEnd).once('error', done).once('close', onClose);
  }

  private async resumeAfter(cause: Error, delivered: number): Promise<void> {
    if (delivered > 0) this.failures = 0;
    this.failures++;
    const maxAttempts = await this.gateway.client.config.maxAttempts();
    const broken = `the body broke off after ${this.received} of ${this.length ?? 'an unknown number of'} bytes`;
    if (this.failures >= maxAttempts || this.length === undefined || !this.etag) {
      throw new StorageError(`S3 GetObject of '${this.key}' failed: ${broken}: ${cause.message}`, { cause });
    }
    const from = this.first + this.received;
    let response: GetObjectCommandOutput;
    try {
      response = await this.gateway.getObject(this.key, this.name, `bytes=${from}-${this.last}`, this.etag);
    } catch (err) {
      if ((err as StorageError).statusCode !== 412) throw err;
      throw this.replaced(err);
    }
    const body = response.Body as Readable;
    if (response.ETag !== this.etag || parseContentRange(response.ContentRange)?.first !== from) {
      body.destroy();
      throw this.replaced();
    }
    if (this.destroyed) return void body.destroy();
    this.attach(body);
  }

  private replaced(cause?: unknown): StorageError {
    return new StorageError(
      `S3 GetObject of '${this.key}' failed: the object was replaced while it was being read ` +
        `(${this.received} of ${this.length} bytes read)`,
      { cause, statusCode: 412 },
    );
  }
}

/** `bytes 100-199/1000` → first 100, last 199. */
function parseContentRange(value: string | undefined): { first: number; last: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\//.exec(value ?? '');
  return match ? { first: Number(match[1]), last: Number(match[2]) } : undefined;
}
