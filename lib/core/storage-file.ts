/**
 * Django's `File` as a storage hands it out from `open()`: read by size, by line or in chunks,
 * or written to, then closed. A backend supplies only the byte source and sink; the modes,
 * text decoding (UTF-8, universal newlines) and the life cycle live here once.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

type ReadMode = 'rb' | 'r';
type WriteMode = 'wb' | 'w';
export type FileMode = ReadMode | WriteMode;

/** What `read()` gives: strings in text mode (`r`, `w`), Buffers in binary mode. */
export type FileData<M extends FileMode> = M extends 'r' | 'w' ? string : Buffer;

const DEFAULT_CHUNK_SIZE = 64 * 1024;

function checkMode(mode: string): FileMode {
  if (mode.includes('r') && mode.includes('w')) throw new TypeError("Can't combine 'r' and 'w' in mode.");
  if (mode !== 'rb' && mode !== 'r' && mode !== 'wb' && mode !== 'w') {
    throw new TypeError(`Invalid mode '${mode}': use 'rb', 'r', 'wb' or 'w'.`);
  }
  return mode;
}

export abstract class StorageFile<T extends Buffer | string = Buffer | string> implements AsyncDisposable {
  private isClosed = false;
  private source?: AsyncIterator<Buffer>;
  private consumed = false;
  private eof = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private text = '';
  private decoder = new StringDecoder('utf8');
  private carriageReturn = false;
  private bytesWritten = 0;

  protected constructor(
    /** The name as the storage knows it, relative to its `location`. */
    readonly name: string,
    /** How the file was opened: `'rb'`, `'r'` (text), `'wb'` or `'w'`. */
    readonly mode: FileMode,
  ) {
    checkMode(mode);
  }

  /** Whether `close()` (or `abort()`) has been called. */
  get closed(): boolean {
    return this.isClosed;
  }

  private get binary(): boolean {
    return this.mode.endsWith('b');
  }

  private get readable(): boolean {
    return this.mode.startsWith('r');
  }

  /** Size in bytes of the stored file. */
  abstract size(): Promise<number>;

  /** A stream of the file's bytes from the start (after any decoding the storage does). */
  protected abstract openStream(): Promise<Readable>;

  /** Takes bytes written in write mode, in order. */
  protected abstract writeBytes(data: Buffer): Promise<void>;

  /** Makes what was written the file's content (`bytesWritten` may be 0). */
  protected abstract commit(bytesWritten: number): Promise<void>;

  /** Drops what was written; the stored file is left as it was. */
  protected abstract discard(): Promise<void>;

  /**
   * Reads `size` bytes (binary) or characters (text), or everything left when `size` is omitted
   * or negative. An empty result means the end of the file.
   */
  async read(size?: number): Promise<T> {
    this.checkReadable();
    const all = size === undefined || size === null || size < 0;
    if (this.binary) {
      while (!this.eof && (all || this.pendingBytes < size)) await this.pull();
      return this.takeBytes(all ? this.pendingBytes : Math.min(size, this.pendingBytes)) as T;
    }
    // Python counts characters (code points), not UTF-16 units.
    while (!this.eof && (all || codePointEnd(this.text, size) < 0)) await this.pull();
    const end = all ? -1 : codePointEnd(this.text, size);
    return this.takeText(end < 0 ? this.text.length : end) as T;
  }

  /** Reads one line, with its line ending; empty at the end of the file. */
  async readline(): Promise<T> {
    this.checkReadable();
    if (this.binary) {
      for (;;) {
        const joined = this.joinPending();
        const newline = joined.indexOf(0x0a);
        if (newline >= 0) return this.takeBytes(newline + 1) as T;
        if (this.eof) return this.takeBytes(joined.length) as T;
        await this.pull();
      }
    }
    for (;;) {
      const newline = this.text.indexOf('\n');
      if (newline >= 0) return this.takeText(newline + 1) as T;
      if (this.eof) return this.takeText(this.text.length) as T;
      await this.pull();
    }
  }

  /**
   * All lines from the start of the file (Django iterates from the start, whatever was read
   * before). As Django's `File.__iter__`, a line also ends at a `\r` not followed by `\n`, so
   * binary lines keep their own endings: `a\n`, `b\r\n`, `c\r`, `d`.
   */
  async readlines(): Promise<T[]> {
    this.checkReadable();
    await this.rewind();
    const lines: T[] = [];
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return lines;
      // Text is already read with universal newlines: only bytes can hold a lone \r.
      if (Buffer.isBuffer(line)) lines.push(...(splitAtLoneCarriageReturns(line) as T[]));
      else lines.push(line);
    }
  }

  /**
   * The file from its start in pieces of `chunkSize` (64 KiB by default), streamed: memory stays
   * at one piece whatever the file's size.
   */
  async *chunks(chunkSize = DEFAULT_CHUNK_SIZE): AsyncGenerator<T, void, undefined> {
    this.checkReadable();
    await this.rewind();
    for (;;) {
      const chunk = await this.read(chunkSize);
      if (chunk.length === 0) return;
      yield chunk;
    }
  }

  /**
   * Writes bytes, or a string as UTF-8; returns the number of bytes written. A write that fails
   * gives the file up: nothing written is kept and the file is closed.
   */
  async write(data: Buffer | Uint8Array | string): Promise<number> {
    this.checkOpen();
    if (this.readable) throw new TypeError('File was not opened in write mode.');
    const bytes =
      typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    try {
      await this.writeBytes(bytes);
    } catch (err) {
      // The backend may have taken bytes it could not store (a refused S3 part): closing now
      // would store the file truncated, as django-storages does. Give the file up instead.
      this.isClosed = true;
      await this.discard().catch(() => undefined);
      throw err;
    }
    this.bytesWritten += bytes.length;
    return bytes.length;
  }

  /**
   * Finishes the file: in write mode what was written becomes the stored file (an empty file
   * when nothing was); on failure nothing partial is left and the error is thrown.
   */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.readable) {
      await this.releaseSource();
      return;
    }
    try {
      await this.commit(this.bytesWritten);
    } catch (err) {
      await this.discard().catch(() => undefined);
      throw err;
    }
  }

  /** Gives up a file opened for writing: nothing written is kept. */
  async abort(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.readable) await this.releaseSource();
    else await this.discard();
  }

  /** `await using file = await storage.open(name)` closes the file at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private checkOpen(): void {
    if (this.isClosed) throw new TypeError('I/O operation on closed file.');
  }

  private checkReadable(): void {
    this.checkOpen();
    if (!this.readable) throw new TypeError('File was not opened in read mode.');
  }

  /** Back to the start: free when nothing was read yet, else the source is opened again. */
  private async rewind(): Promise<void> {
    if (!this.consumed) return;
    await this.releaseSource();
    this.consumed = false;
    this.eof = false;
    this.pending = [];
    this.pendingBytes = 0;
    this.text = '';
    this.decoder = new StringDecoder('utf8');
    this.carriageReturn = false;
  }

  private async releaseSource(): Promise<void> {
    const source = this.source;
    this.source = undefined;
    await source?.return?.();
  }

  private async pull(): Promise<void> {
    this.consumed = true;
    this.source ??= (await this.openStream())[Symbol.asyncIterator]();
    const next = await this.source.next();
    const chunk: Buffer | undefined = next.done
      ? undefined
      : Buffer.isBuffer(next.value)
        ? next.value
        : Buffer.from(next.value);
    if (next.done) this.eof = true;
    if (this.binary) {
      if (chunk?.length) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
      }
      return;
    }
    // Universal newlines, as Python's TextIOWrapper: \r\n and \r read as \n. A \r at the end of
    // a chunk waits for the next one, which may start with \n.
    let decoded = (this.carriageReturn ? '\r' : '') + (chunk ? this.decoder.write(chunk) : this.decoder.end());
    this.carriageReturn = !this.eof && decoded.endsWith('\r');
    if (this.carriageReturn) decoded = decoded.slice(0, -1);
    this.text += decoded.replace(/\r\n?/g, '\n');
  }

  private joinPending(): Buffer {
    if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
    return this.pending[0] ?? Buffer.alloc(0);
  }

  private takeBytes(n: number): Buffer {
    const joined = this.joinPending();
    const taken = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    return taken;
  }

  private takeText(n: number): string {
    const taken = this.text.slice(0, n);
    this.text = this.text.slice(n);
    return taken;
  }
}

/** The UTF-16 index just after `count` code points of `text`, or -1 when it has fewer. */
function codePointEnd(text: string, count: number): number {
  let index = 0;
  for (let n = 0; n < count; n++) {
    if (index >= text.length) return -1;
    const unit = text.charCodeAt(index);
    index += unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length ? 2 : 1;
  }
  return index;
}

/** A line split after each `\r` that is not followed by `\n` (the line's own ending kept). */
function splitAtLoneCarriageReturns(line: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = line.indexOf(0x0d); i >= 0 && i < line.length - 1; i = line.indexOf(0x0d, i + 1)) {
    if (line[i + 1] !== 0x0a) {
      parts.push(line.subarray(start, i + 1));
      start = i + 1;
    }
  }
  parts.push(line.subarray(start));
  return parts;
}
