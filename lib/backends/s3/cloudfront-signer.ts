/**
 * CloudFront canned-policy signed URLs, as botocore's `CloudFrontSigner` makes them for
 * django-storages, signed by `@aws-sdk/cloudfront-signer`.
 */
import { createPrivateKey } from 'node:crypto';
import { getSignedCookies } from '@aws-sdk/cloudfront-signer';
import type { CloudFrontSigner } from './s3-storage.options.js';

/** Signers by key id and key, shared by every storage (django-storages' `_signers`). */
const signers = new Map<string, CloudFrontSigner>();

/** The signer of a CloudFront key pair (a PKCS#1 or PKCS#8 PEM, as text or bytes), built once per key id and key. */
export function cloudfrontSigner(keyPairId: string, privateKey: string | Buffer): CloudFrontSigner {
  const cacheKey = `${keyPairId}:${privateKey.toString()}`;
  let signer = signers.get(cacheKey);
  if (!signer) {
    // Parsed once: parsing the PEM costs more than the RSA signature itself.
    const key = createPrivateKey(privateKey) as unknown as string;
    signer = {
      generatePresignedUrl(url, dateLessThan) {
        // The SDK's getSignedUrl re-encodes the URL and orders the fields Expires, Key-Pair-Id,
        // Signature; its cookies are the same canned-policy signature over the URL as given.
        const cookies = getSignedCookies({ url, keyPairId, privateKey: key, dateLessThan: wholeSeconds(dateLessThan) });
        const separator = url.includes('?') ? '&' : '?';
        return `${url}${separator}Expires=${cookies['CloudFront-Expires']}&Signature=${cookies['CloudFront-Signature']}&Key-Pair-Id=${keyPairId}`;
      },
    };
    signers.set(cacheKey, signer);
  }
  return signer;
}

/** botocore takes `int()` of the epoch; the SDK rounds it, a second later half the time. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
