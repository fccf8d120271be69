/**
 * Django's `ContentFile`: content held in memory, with the name to save it under when
 * `save(null, file)` is called, and optionally the content type to store it with.
 */
export class ContentFile {
  /** The bytes; a string is stored as UTF-8. */
  readonly content: Buffer;

  constructor(
    content: Buffer | Uint8Array | string,
    /** The name `save(null, file)` stores it under. */
    readonly name?: string,
    /** The content type to store it with; guessed from the name when omitted. */
    readonly contentType?: string,
  ) {
    this.content =
      typeof content === 'string'
        ? Buffer.from(content, 'utf8')
        : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  }

  /** Bytes of content. */
  get size(): number {
    return this.content.length;
  }
}
