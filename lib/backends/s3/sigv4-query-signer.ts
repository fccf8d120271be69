/**
 * SigV4 query-string signing of a bodiless request whose only signed header is `host` (a
 * presigned GET or HEAD of an object with no other parameters): the same URL the SDK's
 * `SignatureV4.presign` makes for it, computed directly. Per URL that is one SHA-256 of the
 * canonical request and one HMAC of the string to sign; the signing key is derived once per
 * day, region, service and secret and kept.
 */
import { createHash, createHmac } from 'node:crypto';

const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface QueryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export class SigV4QuerySigner {
  /** The last signing key: `${date} ${secret}` → key (a new day or new credentials derive a new one). */
  private cached?: { id: string; key: Buffer };

  constructor(
    readonly region: string,
    readonly service: string,
  ) {}

  /**
   * The signed URL of `method` on `origin` + `path` (`path` already percent-encoded as sent),
   * `query` being the unsigned parameters (`x-id`, ...), valid `expiresIn` seconds from `date`.
   */
  presign(
    method: string,
    origin: { protocol: string; host: string },
    path: string,
    query: Record<string, string>,
    credentials: QueryCredentials,
    expiresIn: number,
    date: Date,
  ): string {
    const longDate = date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const shortDate = longDate.slice(0, 8);
    const scope = `${shortDate}/${this.region}/${this.service}/aws4_request`;
    const params: Record<string, string> = {
      ...query,
      'X-Amz-Algorithm': ALGORITHM,
      'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
      'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
      'X-Amz-Date': longDate,
      'X-Amz-Expires': String(expiresIn),
      'X-Amz-SignedHeaders': 'host',
    };
    if (credentials.sessionToken) params['X-Amz-Security-Token'] = credentials.sessionToken;
    const names = Object.keys(params).sort();
    const canonicalQuery = names.map((name) => `${escape(name)}=${escape(params[name])}`).join('&');
    const canonicalRequest = `${method}\n${path}\n${canonicalQuery}\nhost:${origin.host}\n\nhost\nUNSIGNED-PAYLOAD`;
    const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey(shortDate, credentials.secretAccessKey))
      .update(stringToSign)
      .digest('hex');
    params['X-Amz-Signature'] = signature;
    const search = Object.keys(params)
      .sort()
      .map((name) => `${escape(name)}=${escape(params[name])}`)
      .join('&');
    return `${origin.protocol}//${origin.host}${path}?${search}`;
  }

  private signingKey(shortDate: string, secret: string): Buffer {
    const id = `${shortDate} ${secret}`;
    if (this.cached?.id !== id) {
      let key = hmac(`AWS4${secret}`, shortDate);
      for (const part of [this.region, this.service, 'aws4_request']) key = hmac(key, part);
      this.cached = { id, key };
    }
    return this.cached.key;
  }
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** RFC 3986 encoding, as SigV4 and the SDK's query strings want it (`!'()*` escaped too). */
function escape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
