/**
 * An `fs.ReadStream` nobody has read from yet, seen as the file it reads: its descriptor and
 * the byte range the stream would give. The multipart writer reads such a file straight into its
 * part buffers (positional reads into pool memory), where a stream would hand it one fresh
 * 64 KiB Buffer per read for the garbage collector to free, late.
 *
 * Guarantees: the bytes are exactly those the stream would have given (same descriptor, `start`
 * and `end`, or the descriptor's own position when the stream has no `start`); any other stream
 * (one already read from, flowing, decoding text, or an `fs.ReadStream` over a custom `fs`) is
 * answered `undefined` and read as a stream. Once read, the stream is ended the way reading it
 * to its end would (`'end'`, then `'close'` with `autoClose`), so a caller awaiting it sees no
 * premature close.
 */
import { once } from 'node:events';
import fs, { ReadStream, read } from 'node:fs';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

const readAt = promisify(read);

/** The state of an `fs.ReadStream` its constructor keeps (Node's own fields, stable since Node 10). */
interface ReadStreamState {
  fd: number | null;
  start?: number;
  end: number;
  pending: boolean;
  bytesRead: number;
}

export class UnreadFile {
  private position: number | null;
  private readonly last: number;

  private constructor(private readonly stream: ReadStream & ReadStreamState) {
    this.position = stream.start ?? null;
    this.last = stream.end;
  }

  /** The file behind `source` if it is an unread `fs.ReadStream` of bytes, once its descriptor is open. */
  static async of(source: Readable): Promise<UnreadFile | undefined> {
    if (!(source instanceof ReadStream)) return undefined;
    const stream = source as ReadStream & ReadStreamState;
    const untouched =
      !stream.destroyed &&
      stream.readableFlowing === null &&
      !stream.readableDidRead &&
      stream.readableLength === 0 &&
      stream.readableEncoding === null &&
      stream.bytesRead === 0 &&
      // A stream over a custom `fs` (or a FileHandle's operations) reads through them, not fs.read.
      readsThroughFs(stream);
    if (!untouched) return undefined;
    if (stream.pending) await once(stream, 'ready');
    return typeof stream.fd === 'number' ? new UnreadFile(stream) : undefined;
  }

  /** Reads up to `length` bytes into `buffer` at `offset`; 0 at the end of the range or the file. */
  async readInto(buffer: Buffer, offset: number, length: number): Promise<number> {
    // A destroyed stream's descriptor is being closed, and its number may soon name another file.
    if (this.stream.destroyed) throw new Error('the file stream was destroyed before it was read to its end');
    if (this.position !== null) length = Math.min(length, this.last + 1 - this.position);
    if (length <= 0) return 0;
    const { bytesRead } = await readAt(this.stream.fd!, buffer, offset, length, this.position);
    if (this.position !== null) this.position += bytesRead;
    this.stream.bytesRead += bytesRead;
    return bytesRead;
  }

  /** Ends the stream as reading it to the end would have: `'end'`, then (with `autoClose`) the descriptor closed. */
  finish(): void {
    this.stream.push(null);
    this.stream.resume();
  }

  /** Gives the stream up after a failure, as breaking off a `for await` over it would. */
  destroy(): void {
    this.stream.destroy();
  }
}

/** Whether the stream reads with the real `fs` (Node keeps its `fs` option under the symbol `kFs`). */
function readsThroughFs(stream: ReadStream): boolean {
  const kFs = Object.getOwnPropertySymbols(stream).find((symbol) => symbol.description === 'kFs');
  return kFs !== undefined && (stream as unknown as Record<symbol, unknown>)[kFs] === fs;
}
