/**
 * `url()` of S3Storage, as django-storages builds it: on the custom domain (CloudFront-signed
 * when a signer is set and `querystringAuth` is on), presigned with SigV4, or the plain object
 * URL. Unsigned and custom-domain URLs are string work only: no I/O, no signing.
 */
import { filepathToUri, urlencode } from '../../core/names.js';
import type { UrlOptions } from '../../core/storage.js';
import { gatewayOf } from './s3-gateway.js';
import { S3Presigner } from './s3-presigner.js';
import type { S3Storage } from './s3-storage.js';

export class S3UrlBuilder {
  private presignerOf?: S3Presigner;

  constructor(private readonly storage: S3Storage) {}

  /** The URL of `key` (already cleaned and under `location`); a string at once when no I/O or signing is needed. */
  url(key: string, { parameters, expire, httpMethod }: UrlOptions): string | Promise<string> {
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
    if (!storage.querystringAuth) return this.presigner.objectUrl(key, parameters);
    return this.presigner.presign(httpMethod ?? 'GET', key, parameters ?? {}, { expiresIn: expire });
  }

  /** The presigner of the storage's bucket, made on first use: a custom-domain storage may have no bucket. */
  private get presigner(): S3Presigner {
    const gateway = gatewayOf(this.storage);
    this.presignerOf ??= new S3Presigner(gateway.client, gateway.bucket);
    return this.presignerOf;
  }
}
