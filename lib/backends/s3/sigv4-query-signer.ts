/**
 * SigV4 query-string signing of a bodiless request whose only signed header is `host` (a
 * presigned GET or HEAD of an object with no other parameters): the same URL the SDK's
 * `SignatureV4.presign` makes for it, computed directly. Per URL that is one SHA-256 of the
 * canonical request and one HMAC of the string to sign: the signing key is derived once per
 * day, region, service and secret, and the query string (the same for every key signed in the
 * same second with the same credentials and expiry) once per second.
 */
import { createHmac, hash } from 'node:crypto';

const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface QueryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The parts of a presigned URL that depend on the second, the credentials and the expiry, not on the key. */
interface SignedQuery {
  id: string;
  source: Record<string, string>;
  scope: string;
  longDate: string;
  /** The canonical query string: the parameters in byte order, each encoded. */
  canonical: string;
  /** The canonical query split where `X-Amz-Signature` goes in (it sorts among them). */
  before: string;
  after: string;
}

export class SigV4QuerySigner {
  /** The last signing key: `${date} ${secret}` → key (a new day or new credentials derive a new one). */
  private cached?: { id: string; key: Buffer };
  private query?: SignedQuery;

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
    const signed = this.signedQuery(query, credentials, expiresIn, date);
    const canonicalRequest = `${method}\n${path}\n${signed.canonical}\nhost:${origin.host}\n\nhost\nUNSIGNED-PAYLOAD`;
    const stringToSign = `${ALGORITHM}\n${signed.longDate}\n${signed.scope}\n${hash('sha256', canonicalRequest, 'hex')}`;
    const signature = createHmac('sha256', this.signingKey(signed.longDate.slice(0, 8), credentials.secretAccessKey))
      .update(stringToSign)
      .digest('hex');
    return `${origin.protocol}//${origin.host}${path}?${signed.before}X-Amz-Signature=${signature}${signed.after}`;
  }

  private signedQuery(
    query: Record<string, string>,
    credentials: QueryCredentials,
    expiresIn: number,
    date: Date,
  ): SignedQuery {
    const second = Math.floor(date.getTime() / 1000);
    const id = `${second} ${expiresIn} ${credentials.accessKeyId} ${credentials.sessionToken ?? ''}`;
    if (this.query?.id === id && this.query.source === query) return this.query;
    const longDate = new Date(second * 1000)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const scope = `${longDate.slice(0, 8)}/${this.region}/${this.service}/aws4_request`;
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
    const pairs = Object.keys(params)
      .sort()
      .map((name) => [name, `${escape(name)}=${escape(params[name])}`] as const);
    const split = pairs.findIndex(([name]) => name > 'X-Amz-Signature');
    const head = pairs.slice(0, split < 0 ? pairs.length : split).map(([, pair]) => pair);
    const tail = split < 0 ? [] : pairs.slice(split).map(([, pair]) => pair);
    this.query = {
      id,
      source: query,
      scope,
      longDate,
      canonical: pairs.map(([, pair]) => pair).join('&'),
      before: head.length ? `${head.join('&')}&` : '',
      after: tail.length ? `&${tail.join('&')}` : '',
    };
    return this.query;
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
