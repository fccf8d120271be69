/**
 * `url()` of S3Storage, as django-storages builds it: on the custom domain (CloudFront-signed
 * when a signer is set and `querystringAuth` is on), presigned with SigV4, or the plain object
 * URL. Unsigned and custom-domain URLs are string work only: no I/O, no signing.
 */
import { GetObjectCommand, PutObjectCommand, HeadObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl as cloudfrontSignedUrl } from '@aws-sdk/cloudfront-signer';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { filepathToUri, urlencode } from '../names.js';
import type { UrlOptions } from '../storage.js';
import type { CloudFrontSigner } from './s3-storage.options.js';
import type { S3Storage } from './s3-storage.js';

/** GetObject parameters that travel in the query string of an unsigned URL, and their names there. */
const QUERY_PARAMETERS: Record<string, string> = {
  ResponseCacheControl: 'response-cache-control',
  ResponseContentDisposition: 'response-content-disposition',
  ResponseContentEncoding: 'response-content-encoding',
  ResponseContentLanguage: 'response-content-language',
  ResponseContentType: 'response-content-type',
  ResponseExpires: 'response-expires',
  VersionId: 'versionId',
  PartNumber: 'partNumber',
};

const COMMANDS: Record<string, new (input: { Bucket: string; Key: string }) => GetObjectCommand> = {
  GET: GetObjectCommand,
  PUT: PutObjectCommand as never,
  HEAD: HeadObjectCommand as never,
  DELETE: DeleteObjectCommand as never,
};

export class S3UrlBuilder {
  /** CloudFront signers by key id and key, shared by every storage (django-storages' `_signers`). */
  private static readonly signers = new Map<string, CloudFrontSigner>();
  private objectBase?: Promise<string>;

  constructor(private readonly storage: S3Storage) {}

  static cloudfrontSigner(keyPairId: string, privateKey: string): CloudFrontSigner {
    const cacheKey = `${keyPairId}:${privateKey}`;
    let signer = this.signers.get(cacheKey);
    if (!signer) {
      signer = {
        generatePresignedUrl: (url, dateLessThan) =>
          cloudfrontSignedUrl({ url, keyPairId, privateKey, dateLessThan: dateLessThan.toISOString() }),
      };
      this.signers.set(cacheKey, signer);
    }
    return signer;
  }

  async url(key: string, { parameters, expire, httpMethod }: UrlOptions): Promise<string> {
    const storage = this.storage;
    expire ??= storage.querystringExpire;
    if (storage.customDomain) {
      const query = parameters && Object.keys(parameters).length ? `?${urlencode(parameters)}` : '';
      const url = `${storage.urlProtocol}//${storage.customDomain}/${filepathToUri(key)}${query}`;
      if (storage.querystringAuth && storage.cloudfrontSigner) {
        return storage.cloudfrontSigner.generatePresignedUrl(url, new Date(Date.now() + expire * 1000));
      }
      return url;
    }
    if (!key) throw new TypeError('url() needs a file name');
    if (!storage.querystringAuth) {
      const query = Object.entries(parameters ?? {})
        .map(
          ([name, value]) =>
            `${encodeURIComponent(QUERY_PARAMETERS[name] ?? name)}=${encodeURIComponent(String(value))}`,
        )
        .join('&');
      return `${await this.base()}/${encodeKey(key)}${query ? `?${query}` : ''}`;
    }
    const Command = COMMANDS[(httpMethod ?? 'GET').toUpperCase()];
    if (!Command) throw new TypeError(`url() cannot sign for HTTP method '${httpMethod}'`);
    const command = new Command({ ...(parameters as object), Bucket: storage.bucket, Key: key });
    return getSignedUrl(storage.client, command, { expiresIn: expire });
  }

  /** The object URL of the bucket, without a key (path or virtual-host style, the endpoint's port kept). */
  private base(): Promise<string> {
    this.objectBase ??= getEndpointFromInstructions(
      { Bucket: this.storage.bucket, Key: 'k' },
      GetObjectCommand as never,
      this.storage.client.config as never,
    ).then((endpoint) => endpoint.url.href.replace(/\/$/, ''));
    return this.objectBase;
  }
}

/** Keys as the SDK writes them in a path: every segment percent-encoded, `!'()*` too. */
function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
    )
    .join('/');
}
