/**
 * Builds the one `S3Client` of an S3Storage from its settings, as django-storages builds its
 * boto3 session and resource: credentials, region, endpoint, TLS verification, proxies,
 * addressing style, checksums, and `clientConfig` merged last.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import { HttpRequest } from '@smithy/core/transport';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpsProxyAgent } from 'hpagent';
import { ImproperlyConfigured } from '../../core/errors.js';
import { definedOptions } from '../../core/validate-options.js';
import type { S3Settings } from './s3-settings.js';
import { addContentMd5 } from './content-md5.middleware.js';

/** The client of a storage with these settings (resolved: the environment has been read). */
export function createS3Client(options: S3Settings, backend = 'S3Storage'): S3Client {
  const { endpointUrl, clientConfig, sessionProfile } = options;
  const region = options.regionName ?? defaultRegion(sessionProfile);
  const config: S3ClientConfig = {
    region,
    // An endpoint brings its own scheme, as botocore's endpoint_url does over use_ssl. The SDK's
    // `tls: false` does nothing for AWS's own endpoints: name the plain-http one instead.
    endpoint: endpointUrl ?? (options.useSsl === false ? plainHttpEndpoint(region) : undefined),
    // botocore addresses a custom endpoint by path; SDK v3 would put the bucket in the host name.
    forcePathStyle: clientConfig
      ? !!endpointUrl
      : options.addressingStyle === 'path' || (!options.addressingStyle && !!endpointUrl),
    requestHandler: requestHandler(options, backend),
  };
  if (options.accessKey && options.secretKey) {
    config.credentials = {
      accessKeyId: options.accessKey,
      secretAccessKey: options.secretKey,
      sessionToken: options.securityToken || undefined,
    };
  } else if (sessionProfile) {
    // The profile alone, as boto3.Session(profile_name=...): a missing profile is an error naming
    // it, not a fall through to the environment and the instance metadata service.
    config.profile = sessionProfile;
    config.credentials = fromProfile(sessionProfile);
  }
  config.requestChecksumCalculation = options.requestChecksumCalculation;
  config.responseChecksumValidation = options.responseChecksumValidation;
  const client = new S3Client({ ...definedOptions(config), ...clientConfig });
  addContentMd5(client);
  return client;
}

type CredentialProvider = ReturnType<typeof import('@aws-sdk/credential-providers').fromIni>;

/**
 * `fromIni({ profile })`, its module loaded on first use: `@aws-sdk/credential-providers` holds
 * every provider of the SDK (about 3 MiB of RSS), which a storage without a profile never needs.
 */
function fromProfile(profile: string): CredentialProvider {
  let provider: CredentialProvider | undefined;
  return async (options) => {
    provider ??= (await import('@aws-sdk/credential-providers')).fromIni({ profile });
    return provider(options);
  };
}

/**
 * The region when neither `regionName` nor the environment (AWS_REGION, AWS_DEFAULT_REGION, read
 * with the settings) gives one: the profile's `region`, else us-east-1 (botocore's global S3
 * endpoint). Unlike the SDK's default, a missing region is not an error and never asks the
 * instance metadata service.
 */
function defaultRegion(profile: string | undefined): () => Promise<string> {
  return loadConfig(
    {
      environmentVariableSelector: () => undefined,
      configFileSelector: NODE_REGION_CONFIG_OPTIONS.configFileSelector,
      default: () => 'us-east-1',
    },
    { ...NODE_REGION_CONFIG_FILE_OPTIONS, profile },
  );
}

/** S3's regional endpoint over http, for `useSsl: false`. */
function plainHttpEndpoint(region: string | (() => Promise<string>)) {
  return async () => {
    const name = typeof region === 'string' ? region : await region();
    return { url: new URL(`http://s3.${name}.amazonaws.com${name.startsWith('cn-') ? '.cn' : ''}`) };
  };
}

/**
 * botocore's connect and read timeouts, which django-storages users have: 60 s each. The SDK sets
 * none for S3, so a server that stops answering (a stalled connection) would hang a call for
 * ever; with these it fails with a TimeoutError, which the SDK retries. `clientConfig.requestHandler`
 * replaces them (and `requestTimeout` alone only logs a warning in current SDKs: use `socketTimeout`).
 */
const TIMEOUTS = { connectionTimeout: 60_000, socketTimeout: 60_000 };

function requestHandler(options: S3Settings, backend: string): NodeHttpHandler {
  const tls: { rejectUnauthorized?: boolean; ca?: string } = {};
  if (options.verify === false) tls.rejectUnauthorized = false;
  if (typeof options.verify === 'string') {
    try {
      tls.ca = readFileSync(options.verify, 'utf8');
    } catch (err) {
      throw new ImproperlyConfigured(
        `${backend} setting 'verify' names a CA bundle that cannot be read: ${options.verify}`,
        { cause: err },
      );
    }
  }
  // As in django-storages, `clientConfig` replaces `proxies` (put a requestHandler in it instead).
  const proxies = options.clientConfig ? {} : (options.proxies ?? {});
  const httpProxy = proxyFor(proxies, 'http', options.endpointUrl);
  const httpsProxy = proxyFor(proxies, 'https', options.endpointUrl);
  if (!tls.ca && tls.rejectUnauthorized === undefined && !httpProxy && !httpsProxy) {
    return new NodeHttpHandler(TIMEOUTS);
  }

  const agentOptions = { keepAlive: true, maxSockets: 50 };
  return new ProxyHttpHandler(httpProxy, {
    ...TIMEOUTS,
    httpAgent: new HttpAgent(agentOptions),
    // https goes through the proxy in a CONNECT tunnel, so TLS is still checked end to end.
    httpsAgent: httpsProxy
      ? new HttpsProxyAgent({ ...agentOptions, ...tls, proxy: httpsProxy })
      : new HttpsAgent({ ...agentOptions, ...tls }),
  });
}

/**
 * Plain http through a forward proxy the way urllib3 (so botocore) sends it: the request goes to
 * the proxy with the absolute URL as its target. Not a CONNECT tunnel, which most proxies allow
 * only to port 443. The signed Host header still names the S3 server.
 */
class ProxyHttpHandler extends NodeHttpHandler {
  private readonly proxy?: URL;

  constructor(proxy: string | undefined, options: ConstructorParameters<typeof NodeHttpHandler>[0]) {
    super(options);
    this.proxy = proxy ? new URL(proxy) : undefined;
  }

  override handle(request: HttpRequest, options?: Parameters<NodeHttpHandler['handle']>[1]) {
    const proxy = this.proxy;
    if (!proxy || request.protocol !== 'http:') return super.handle(request, options);
    const headers = { ...request.headers };
    if (proxy.username || proxy.password) {
      const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
      headers['proxy-authorization'] = `Basic ${Buffer.from(user).toString('base64')}`;
    }
    const port = request.port ? `:${request.port}` : '';
    const viaProxy = new HttpRequest({ ...request, headers, hostname: proxy.hostname, port: Number(proxy.port) || 80 });
    viaProxy.path = `http://${request.hostname}${port}${request.path}`; // the constructor would prefix a '/'
    return super.handle(viaProxy, options);
  }
}

/**
 * botocore's proxy lookup, by the endpoint: `scheme://host:port`, then `scheme://host`, then the
 * scheme alone. A proxy without a scheme (`'proxy:3128'`) is an http proxy, as in urllib3.
 */
function proxyFor(proxies: Record<string, string>, scheme: 'http' | 'https', endpointUrl?: string): string | undefined {
  const endpoint = endpointUrl ? new URL(endpointUrl) : undefined;
  const proxy =
    (endpoint && (proxies[`${scheme}://${endpoint.host}`] || proxies[`${scheme}://${endpoint.hostname}`])) ||
    proxies[scheme];
  if (!proxy) return undefined;
  return /^[a-z]+:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}
