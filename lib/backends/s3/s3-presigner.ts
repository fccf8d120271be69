/**
 * SigV4 presigned URLs of S3 objects, the same URLs `getSignedUrl` of
 * `@aws-sdk/s3-request-presigner` makes, at a fraction of its cost. `getSignedUrl` clones the
 * client's middleware stack, resolves the endpoint and builds a presigner for every URL; here
 * the endpoint and signer are resolved once per operation, and each URL is the SDK's own
 * request serializer plus the SDK's own `SignatureV4` (which caches the derived signing key).
 *
 * The flexible-checksum middleware never runs, on purpose: it would bake the CRC32 of an empty
 * body into a presigned PUT (real S3 then refuses the upload) and ask GETs for checksum mode.
 *
 * The fast path reads the SDK's operation schemas (tuples, by position) and its protocol's
 * `serializeRequest`, which are not a promised API. Each operation's shape is checked when it is
 * first used, with a probe request; when the SDK no longer looks as expected, that operation's
 * URLs come from `getSignedUrl` itself (without the checksum middleware), the same URLs, slower.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObject$,
  DeleteObjectCommand,
  GetObject$,
  GetObjectCommand,
  HeadObject$,
  HeadObjectCommand,
  PutObject$,
  PutObjectCommand,
  UploadPart$,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { buildQueryString, extendedEncodeURIComponent } from '@smithy/core/protocols';
import { NormalizedSchema, operation } from '@smithy/core/schema';
import { SignatureV4 } from '@smithy/signature-v4';
import { SigV4QuerySigner, type QueryCredentials } from './sigv4-query-signer.js';
import { MAX_PRESIGN_EXPIRY } from './s3-storage.options.js';

type Parameters = Record<string, unknown>;
type StaticOperation = typeof GetObject$;
type Command = typeof GetObjectCommand;

/** The parts of the SDK's HTTP request a URL is made of. */
interface HttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
}

/** The client's protocol (REST-XML for S3), of which only the request serializer is used. */
interface RequestSerializer {
  serializeRequest(schema: ReturnType<typeof operation>, input: object, context: object): Promise<HttpRequest>;
}

/** The object operations a URL can be signed for, by HTTP method. */
const OPERATIONS: Record<string, [StaticOperation, Command]> = {
  GET: [GetObject$, GetObjectCommand],
  PUT: [PutObject$, PutObjectCommand as unknown as Command],
  HEAD: [HeadObject$, HeadObjectCommand as unknown as Command],
  DELETE: [DeleteObject$, DeleteObjectCommand as unknown as Command],
};

/** The operation's schema and input members, as the fast path reads them. */
interface Schema {
  schema: ReturnType<typeof operation>;
  members: string[];
}

/** UploadPart: one part of a multipart upload, sent by a client that holds no credentials. */
const UPLOAD_PART: [StaticOperation, Command] = [UploadPart$, UploadPartCommand as unknown as Command];

/** What a URL of one operation needs that does not change from URL to URL. */
interface Target {
  command: Command;
  /** Undefined when the SDK's shape is not what the fast path reads: `getSignedUrl` signs then. */
  fast?: Schema;
  endpoint: { url: URL; properties?: Record<string, unknown>; headers?: Record<string, string[]> };
  /** The URL of the bucket, no trailing slash: `http://host:port/bucket` or `https://bucket.s3...`. */
  base: string;
  /**
   * Undefined for SigV4a (multi-region access points) and S3 Express (session credentials):
   * those rare URLs are left to `getSignedUrl`, middleware and all.
   */
  signer?: SignatureV4;
  /** The direct signer of a URL with no parameters (GET and HEAD with SigV4), and what it signs. */
  direct?: {
    signer: SigV4QuerySigner;
    origin: { protocol: string; host: string };
    path: string;
    query: Record<string, string>;
  };
}

export interface PresignOptions {
  expiresIn: number;
  /** The signing time; now by default. Tests pass a fixed one to compare with `getSignedUrl`. */
  signingDate?: Date;
}

export class S3Presigner {
  private readonly targets = new Map<string, Promise<Target>>();
  private uploadPartTarget?: Promise<Target>;
  /** The targets resolved so far, for the URLs that need no await. */
  private readonly resolved = new Map<string, Target>();

  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    /** The operations by HTTP method; tests hand in ones of another shape to force the fallback. */
    private readonly operations: Record<string, readonly [unknown, Command]> = OPERATIONS,
  ) {}

  /** A presigned URL of `key` for `method` (GET, PUT, HEAD, DELETE), `parameters` being the operation's. */
  async presign(method: string, key: string, parameters: Parameters, options: PresignOptions): Promise<string> {
    const target = await this.target(method);
    if (target.direct && !Object.keys(parameters).length) {
      const { expiresIn, signingDate } = options;
      assertExpiry(expiresIn);
      assertKey(key);
      const { signer, origin, path, query } = target.direct;
      const credentials = (await this.client.config.credentials()) as QueryCredentials;
      return signer.presign(
        method.toUpperCase(),
        origin,
        `${path}/${encodeKey(key)}`,
        query,
        credentials,
        expiresIn,
        signingDate ?? new Date(),
      );
    }
    return this.sign(target, key, parameters, options);
  }

  /**
   * A presigned UploadPart URL: part `partNumber` of the multipart upload `uploadId` of `key`.
   * No checksum is signed into it, so the client's body is what S3 checks (Content-MD5 aside).
   */
  async presignUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    parameters: Parameters,
    options: PresignOptions,
  ): Promise<string> {
    this.uploadPartTarget ??= this.resolveOperation('PUT', UPLOAD_PART);
    this.uploadPartTarget.catch(() => (this.uploadPartTarget = undefined));
    const target = await this.uploadPartTarget;
    return this.sign(target, key, { ...parameters, UploadId: uploadId, PartNumber: partNumber }, options);
  }

  private async sign(target: Target, key: string, parameters: Parameters, options: PresignOptions): Promise<string> {
    const { expiresIn, signingDate } = options;
    assertExpiry(expiresIn);
    const input = withCustomerKeyMd5(this.input(target, key, parameters));
    if (!target.signer || !target.fast) return this.signedBySdk(target, input, options);

    const request = await this.serialize(target.fast, target, input);
    // What the presigner's own preparation does: the host is the one signed header, the payload unsigned.
    request.headers.host = request.port ? `${request.hostname}:${request.port}` : request.hostname;
    request.headers['X-Amz-Content-Sha256'] = 'UNSIGNED-PAYLOAD';
    const unhoistableHeaders = new Set(
      Object.keys(request.headers)
        .map((name) => name.toLowerCase())
        .filter((name) => name.startsWith('x-amz-server-side-encryption')),
    );
    const signed = (await target.signer.presign(request, {
      expiresIn,
      signingDate,
      unsignableHeaders: new Set(['content-type']),
      unhoistableHeaders,
    })) as HttpRequest;
    return formatUrl(signed);
  }

  /**
   * The plain URL of `key`, not signed: no credentials, no I/O once the endpoint is known (a
   * string, not a promise, from then on when there are no parameters).
   * Parameters bound to the query string (`ResponseContentDisposition`, `VersionId`...) are kept.
   */
  objectUrl(key: string, parameters: Parameters = {}): string | Promise<string> {
    const known = this.resolved.get('GET');
    if (known && key && !Object.keys(parameters).length) return `${known.base}/${encodeKey(key)}`;
    return this.objectUrlOf(key, parameters);
  }

  private async objectUrlOf(key: string, parameters: Parameters): Promise<string> {
    const target = await this.target('GET');
    assertKey(key);
    if (!Object.keys(parameters).length) return `${target.base}/${encodeKey(key)}`;
    const input = this.input(target, key, parameters);
    if (!target.fast) return unsigned(await this.signedBySdk(target, input, { expiresIn: 60 }));
    const request = await this.serialize(target.fast, target, input);
    const headers = Object.keys(request.headers);
    if (headers.length) {
      throw new TypeError(
        `url() without querystringAuth cannot carry parameters sent as headers: ${headers.join(', ')}`,
      );
    }
    delete request.query['x-id'];
    return formatUrl(request);
  }

  private input(target: Target, key: string, parameters: Parameters): Parameters {
    const members = target.fast?.members;
    for (const name of Object.keys(parameters)) {
      if (members && !members.includes(name)) {
        // botocore's ParamValidationError, as django-storages users see it.
        throw new TypeError(
          `Parameter validation failed:\nUnknown parameter in input: "${name}", must be one of: ${members.join(', ')}`,
        );
      }
    }
    assertKey(key);
    return { ...parameters, Bucket: this.bucket, Key: key };
  }

  private serialize(schema: Schema, target: Pick<Target, 'endpoint'>, input: Parameters): Promise<HttpRequest> {
    const context = { endpoint: async () => target.endpoint };
    return (this.client.config.protocol as unknown as RequestSerializer).serializeRequest(
      schema.schema,
      input,
      context,
    );
  }

  /** The URL as `getSignedUrl` makes it, without the flexible-checksum headers (see above). */
  private signedBySdk(target: Target, input: Parameters, options: PresignOptions): Promise<string> {
    const command = new target.command(input as never);
    command.middlewareStack.add(withoutChecksums, { step: 'build', priority: 'low', name: 'withoutChecksums' });
    return getSignedUrl(this.client, command, options);
  }

  /**
   * The schema of an operation, if the SDK still describes it as the fast path reads it: the
   * static tuple's shape, the input members Bucket and Key, and a probe request serialized to
   * the method and key asked for.
   */
  private async readSchema(method: string, staticOperation: unknown, endpoint: Target['endpoint']) {
    try {
      const protocol = this.client.config.protocol as unknown as Partial<RequestSerializer> | undefined;
      if (!Array.isArray(staticOperation) || typeof protocol?.serializeRequest !== 'function') return undefined;
      const [, namespace, name, traits, input, output] = staticOperation as [
        unknown,
        ...globalThis.Parameters<typeof operation>,
      ];
      if (typeof namespace !== 'string' || typeof name !== 'string') return undefined;
      const members = [...NormalizedSchema.of(input).structIterator()].map(([member]) => member);
      if (!members.includes('Bucket') || !members.includes('Key')) return undefined;
      const schema: Schema = { schema: operation(namespace, name, traits, input, output), members };
      const probe = await this.serialize(schema, { endpoint }, { Bucket: this.bucket, Key: 'probe' });
      const looksRight =
        probe?.method === method &&
        typeof probe.hostname === 'string' &&
        typeof probe.path === 'string' &&
        probe.path.endsWith('/probe') &&
        typeof probe.query === 'object' &&
        typeof probe.headers === 'object';
      return looksRight ? schema : undefined;
    } catch {
      return undefined;
    }
  }

  private target(method: string): Promise<Target> {
    const name = method.toUpperCase();
    let target = this.targets.get(name);
    if (!target) {
      target = this.resolve(name);
      // A failure (no region yet, say) is not remembered: the next URL tries again.
      target.then(
        (resolved) => this.resolved.set(name, resolved),
        () => this.targets.delete(name),
      );
      this.targets.set(name, target);
    }
    return target;
  }

  private async resolve(method: string): Promise<Target> {
    const entry = this.operations[method];
    if (!entry) {
      throw new TypeError(
        `url() cannot sign for HTTP method '${method}': use one of ${Object.keys(this.operations).join(', ')}`,
      );
    }
    return this.resolveOperation(method, entry);
  }

  private async resolveOperation(method: string, entry: readonly [unknown, Command]): Promise<Target> {
    const [staticOperation, command] = entry;
    const { config } = this.client;
    const endpoint = (await getEndpointFromInstructions(
      { Bucket: this.bucket, Key: 'k' },
      command as never,
      config as never,
    )) as Target['endpoint'];
    const auth = (
      endpoint.properties?.authSchemes as { name: string; signingRegion?: string; signingName?: string }[]
    )?.[0];
    const signer =
      !auth || auth.name === 'sigv4'
        ? new SignatureV4({
            credentials: config.credentials,
            region: auth?.signingRegion ?? config.region,
            service: auth?.signingName ?? 's3',
            sha256: config.sha256,
            // As S3's presigner: S3 paths are signed as sent, not normalised nor encoded twice.
            uriEscapePath: false,
            applyChecksum: false,
          })
        : undefined;
    const target: Target = {
      command,
      fast: await this.readSchema(method, staticOperation, endpoint),
      endpoint,
      base: endpoint.url.href.replace(/\/$/, ''),
      signer,
    };
    if (signer && target.fast && (method === 'GET' || method === 'HEAD')) {
      // What the SDK's serializer makes of a key with no other parameters: the rest is signing.
      const sample = await this.serialize(target.fast, target, { Bucket: this.bucket, Key: 'k' });
      const plain = Object.values(sample.query).every((value) => typeof value === 'string');
      if (plain && !Object.keys(sample.headers).length && sample.path.endsWith('/k')) {
        target.direct = {
          signer: new SigV4QuerySigner(auth?.signingRegion ?? (await config.region()), auth?.signingName ?? 's3'),
          origin: {
            protocol: sample.protocol,
            host: sample.port ? `${sample.hostname}:${sample.port}` : sample.hostname,
          },
          path: sample.path.slice(0, -2),
          query: sample.query as Record<string, string>,
        };
      }
    }
    return target;
  }
}

/** SigV4 signatures live 0 to 7 days; the SDK would reject a longer one with a bare string. */
export function assertExpiry(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_PRESIGN_EXPIRY) {
    throw new RangeError(
      `expire must be a whole number of seconds from 0 to ${MAX_PRESIGN_EXPIRY} (7 days, the SigV4 limit), not ${seconds}`,
    );
  }
}

/** An object URL needs a key: botocore's ParamValidationError, as django-storages' `url('')` raises it. */
function assertKey(key: string): void {
  if (!key) {
    throw new TypeError(
      'Parameter validation failed:\nInvalid length for parameter Key, value: 0, valid min length: 1',
    );
  }
}

/**
 * Keys as the SDK writes them in a path: each segment percent-encoded, `!'()*` too. Encoding the
 * whole key and restoring its slashes is the same (only a `/` encodes to `%2F`; a `%` becomes `%25`).
 */
function encodeKey(key: string): string {
  const encoded = encodeURIComponent(key).replaceAll('%2F', '/');
  return RESERVED_BY_SIGV4.test(encoded) ? extendedEncodeURIComponent(key).replaceAll('%2F', '/') : encoded;
}

/** What `encodeURIComponent` leaves and SigV4 (and so the SDK's paths) escape. */
const RESERVED_BY_SIGV4 = /[!'()*]/;

/** Drops the flexible-checksum headers the SDK's build step adds, before the presigner signs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a middleware of any handler
const withoutChecksums = (next: any) => async (args: any) => {
  const headers: Record<string, string> = args.request?.headers ?? {};
  for (const name of Object.keys(headers)) {
    if (/^x-amz-(sdk-)?checksum-/i.test(name)) delete headers[name];
  }
  return next(args);
};

/** A presigned URL without its signature: the plain object URL, the operation's query kept. */
function unsigned(url: string): string {
  const [base, query = ''] = url.split('?', 2);
  const kept = query.split('&').filter((pair) => pair && !/^(x-amz-[^=]*|x-id)(=|$)/i.test(pair));
  return kept.length ? `${base}?${kept.join('&')}` : base;
}

function formatUrl({ protocol, hostname, port, path, query }: HttpRequest): string {
  const search = buildQueryString(query);
  return `${protocol}//${hostname}${port ? `:${port}` : ''}${path}${search ? `?${search}` : ''}`;
}

/**
 * The SDK's SSE-C middleware, which a presign without the middleware stack must repeat: a raw
 * customer key is sent base64-encoded, with its MD5 beside it.
 */
function withCustomerKeyMd5(input: Parameters): Parameters {
  const key = input.SSECustomerKey;
  if (!key) return input;
  const bytes =
    typeof key === 'string'
      ? isBase64Key(key)
        ? Buffer.from(key, 'base64')
        : Buffer.from(key, 'utf8')
      : Buffer.from(key as Uint8Array);
  return {
    ...input,
    SSECustomerKey: bytes.toString('base64'),
    SSECustomerKeyMD5: createHash('md5').update(bytes).digest('base64'),
  };
}

function isBase64Key(value: string): boolean {
  return (
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value) &&
    Buffer.from(value, 'base64').length === 32
  );
}
