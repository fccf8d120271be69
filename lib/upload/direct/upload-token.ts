/**
 * The upload ids the direct-upload routes hand out, which prove what the server started without
 * the server remembering anything: S3's own upload id, then two HMACs under the routes' secret,
 * one of the upload id (so an id the server never handed out is refused as unknown) and one of
 * the upload id with the storage name it was started for (so a client cannot point an upload it
 * holds at another name). Both cover the routes' scope (their path and storage), so an upload
 * started under one set of rules cannot be finished under another's. Any instance that shares
 * the secret accepts them.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Characters of each HMAC kept: 22 of base64url, 132 bits. */
const MAC_LENGTH = 22;
const SEPARATOR = '.';

/** Why a token was refused: never handed out (`unknown`), or handed out for another name (`other-name`). */
export type TokenRefusal = 'unknown' | 'other-name';

export class UploadTokens {
  private readonly secret: Buffer;

  /**
   * @param scope what the tokens are good for: the routes' path and storage
   * @param secret the key of the HMACs; a random one (good for this process only) by default
   */
  constructor(
    private readonly scope: string,
    secret?: string | Buffer,
  ) {
    this.secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
  }

  /** The id handed to the client for S3's upload `uploadId` of storage name `name`. */
  issue(uploadId: string, name: string): string {
    return `${uploadId}${SEPARATOR}${this.mac('upload', uploadId)}${this.mac('name', uploadId, name)}`;
  }

  /** S3's upload id inside `token` when it was issued for `name`; else why it is refused. */
  verify(token: string, name: string): { uploadId: string } | { refused: TokenRefusal } {
    const macs = token.length - 2 * MAC_LENGTH;
    if (macs < 2 || token[macs - 1] !== SEPARATOR) return { refused: 'unknown' };
    const uploadId = token.slice(0, macs - 1);
    if (!same(token.slice(macs, macs + MAC_LENGTH), this.mac('upload', uploadId))) return { refused: 'unknown' };
    if (!same(token.slice(macs + MAC_LENGTH), this.mac('name', uploadId, name))) return { refused: 'other-name' };
    return { uploadId };
  }

  private mac(...fields: string[]): string {
    return createHmac('sha256', this.secret)
      .update([this.scope, ...fields].join('\0'))
      .digest('base64url')
      .slice(0, MAC_LENGTH);
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
