/**
 * Builds the one `S3Client` of an S3Storage from its settings, as django-storages builds its
 * boto3 session and resource: credentials, region, endpoint, TLS verification, proxies,
 * addressing style, checksums, and `clientConfig` merged last.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { ImproperlyConfigured } from '../errors.js';
import type { S3StorageOptions } from './s3-storage.options.js';

/** Whether `endpointUrl` is a server other than AWS's own (MinIO, R2, Ceph, s3rver...). */
export function isThirdPartyEndpoint(endpointUrl: string | undefined): boolean {
  if (!endpointUrl) return false;
  const host = new URL(endpointUrl).hostname;
  return !/(^|\.)amazonaws\.com(\.cn)?$/.test(host);
}

export function createS3Client(options: S3StorageOptions): S3Client {
  const { endpointUrl, clientConfig } = options;
  const config: S3ClientConfig = {
    region:
      options.regionName ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION ??
      (options.sessionProfile ? undefined : 'us-east-1'),
    endpoint: endpointUrl,
    tls: endpointUrl ? undefined : options.useSsl !== false,
    // botocore addresses a custom endpoint by path; SDK v3 would put the bucket in the host name.
    forcePathStyle: clientConfig
      ? !!endpointUrl
      : options.addressingStyle === 'path' || (!options.addressingStyle && !!endpointUrl),
    requestHandler: requestHandler(options),
  };
  if (options.accessKey && options.secretKey) {
    config.credentials = {
      accessKeyId: options.accessKey,
      secretAccessKey: options.secretKey,
      sessionToken: options.securityToken || undefined,
    };
  } else if (options.sessionProfile) {
    config.profile = options.sessionProfile;
  }
  // MinIO, R2, Ceph and s3rver refuse or corrupt the SDK's default aws-chunked checksum bodies.
  const checksums = isThirdPartyEndpoint(endpointUrl) ? 'WHEN_REQUIRED' : undefined;
  config.requestChecksumCalculation = options.requestChecksumCalculation ?? checksums;
  config.responseChecksumValidation = options.responseChecksumValidation ?? checksums;
  return new S3Client({ ...withoutUndefined(config), ...clientConfig });
}

function requestHandler(options: S3StorageOptions): NodeHttpHandler | undefined {
  const tls: { rejectUnauthorized?: boolean; ca?: string } = {};
  if (options.verify === false) tls.rejectUnauthorized = false;
  if (typeof options.verify === 'string') {
    try {
      tls.ca = readFileSync(options.verify, 'utf8');
    } catch (err) {
      throw new ImproperlyConfigured(
        `S3Storage setting 'verify' names a CA bundle that cannot be read: ${options.verify}`,
        { cause: err },
      );
    }
  }
  const proxies = options.clientConfig ? {} : (options.proxies ?? {});
  const httpProxy = proxyFor(proxies, 'http', options.endpointUrl);
  const httpsProxy = proxyFor(proxies, 'https', options.endpointUrl);
  if (!tls.ca && tls.rejectUnauthorized === undefined && !httpProxy && !httpsProxy) return undefined;

  const agentOptions = { keepAlive: true, maxSockets: 50 };
  return new NodeHttpHandler({
    httpAgent: httpProxy ? new HttpProxyAgent({ ...agentOptions, proxy: httpProxy }) : new HttpAgent(agentOptions),
    httpsAgent: httpsProxy
      ? new HttpsProxyAgent({ ...agentOptions, ...tls, proxy: httpsProxy })
      : new HttpsAgent({ ...agentOptions, ...tls }),
  });
}

/** botocore's lookup: `scheme://host` first, then the scheme alone. A bare `host:port` is an http proxy. */
function proxyFor(proxies: Record<string, string>, scheme: 'http' | 'https', endpointUrl?: string): string | undefined {
  const host = endpointUrl ? new URL(endpointUrl).host : undefined;
  const proxy = (host && proxies[`${scheme}://${host}`]) || proxies[scheme];
  if (!proxy) return undefined;
  return /^[a-z]+:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
