/**
 * A reverse proxy on 127.0.0.1 between a storage (its `endpointUrl`) and the S3 server of the
 * test run, that counts every request and makes a chosen share of them fail the ways S3 and
 * networks do: 503 SlowDown, 500 InternalError, a reset connection, a stall (no answer until
 * the client gives up), a response body cut off midway, or (only when a test's `decide` asks
 * for it) a request body with one byte flipped on the way.
 *
 * Which request fails, and how, is drawn from a seeded hash of the request itself (method,
 * path, range) and of how often that same request was seen before, so a run's faults do not
 * depend on how concurrent requests happen to interleave: a failure reproduces with its seed.
 *
 * Requests are passed on exactly as signed, Host header included: the signature covers the
 * proxy's host:port, and a server that checks signatures (Ceph) checks them against the Host
 * it is sent.
 */
import { createHash } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind = 'slowdown' | 'internal' | 'reset' | 'stall' | 'cut' | 'flip';

export const FAULT_KINDS: readonly FaultKind[] = ['slowdown', 'internal', 'reset', 'stall', 'cut'];

export interface ProxiedRequest {
  method: string;
  /** Path and query as sent, such as `/bucket/loc/a.txt?x-id=GetObject`. */
  url: string;
  /** The object key addressed (path-style: the path after the bucket), decoded; '' for the bucket. */
  key: string;
  range?: string;
  /** The `If-Match` condition sent, if any. */
  ifMatch?: string;
  /** Which attempt of its call the SDK says this is (`amz-sdk-request: attempt=N`): 1, or more for a retry. */
  attempt?: number;
  /** The source a copy reads (`x-amz-copy-source`, decoded), if any. */
  copySource?: string;
  /** The body of a POST (DeleteObjects, CompleteMultipartUpload), once it has passed. */
  body?: string;
  /** The `Content-MD5` header sent, if any. */
  contentMd5?: string;
  /** The payload hash the signature covers (`x-amz-content-sha256`), if any. */
  payloadHash?: string;
  /** The status answered, once the answer is sent. */
  status?: number;
  /** The fault this request was given, if any. */
  fault?: FaultKind;
}

export interface FaultProxyOptions {
  /** Share of requests that fail, 0 to 1. */
  rate?: number;
  /** The kinds a failing request is given, drawn evenly. */
  kinds?: readonly FaultKind[];
  seed?: number;
}

export interface FaultProxy {
  /** The proxy's URL: the storage's `endpointUrl`. */
  endpoint: string;
  /** Every request seen, in arrival order. */
  requests: ProxiedRequest[];
  /** Faults given so far, by kind. */
  faults: Record<FaultKind, number>;
  rate: number;
  kinds: readonly FaultKind[];
  /**
   * Decides a request's fault instead of the draw, when set: a test's own plan ("cut the first
   * GET"). It may wait, to change the server's state before the request reaches it.
   */
  decide?: (request: ProxiedRequest) => FaultKind | undefined | Promise<FaultKind | undefined>;
  /** Where a cut falls, as a share of the body; drawn when unset. */
  cutAt?: number;
  /** Forgets the requests and fault counts seen so far. */
  clear(): void;
  close(): Promise<void>;
}

const ERROR_BODIES = {
  slowdown: [503, 'SlowDown', 'Please reduce your request rate.'],
  internal: [500, 'InternalError', 'We encountered an internal error. Please try again.'],
} as const;

export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  const seen = new Map<string, number>();
  const seed = options.seed ?? 1;
  const proxy: FaultProxy = {
    endpoint: '',
    requests: [],
    faults: { slowdown: 0, internal: 0, reset: 0, stall: 0, cut: 0, flip: 0 },
    rate: options.rate ?? 0,
    kinds: options.kinds ?? FAULT_KINDS,
    clear() {
      proxy.requests.length = 0;
      for (const kind of Object.keys(proxy.faults) as FaultKind[]) proxy.faults[kind] = 0;
      seen.clear();
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      }),
  };

  /** A number in [0, 1) for the `n`th sighting of a request: its fate, the same in every run. */
  function draw(identity: string, n: number, what: string): number {
    const digest = createHash('sha256').update(`${seed}\0${identity}\0${n}\0${what}`).digest();
    return digest.readUInt32BE(0) / 2 ** 32;
  }

  const server = createServer((req, res) => {
    const url = req.url!;
    const range = req.headers.range;
    // An upload id or a continuation token is new every run: leave it out of the request's identity.
    const identity = `${req.method} ${url.replace(/([?&](uploadId|continuation-token)=)[^&]*/g, '$1')} ${range ?? ''}`;
    const n = (seen.get(identity) ?? 0) + 1;
    seen.set(identity, n);
    const ifMatch = req.headers['if-match'];
    const attempt = /attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''))?.[1];
    const record: ProxiedRequest = {
      method: req.method!,
      url,
      key: keyOf(url),
      range,
      ifMatch,
      attempt: attempt ? Number(attempt) : undefined,
      copySource: copySourceOf(req.headers['x-amz-copy-source']),
      contentMd5: req.headers['content-md5'] as string | undefined,
      payloadHash: req.headers['x-amz-content-sha256'] as string | undefined,
    };
    proxy.requests.push(record);
    res.once('finish', () => (record.status = res.statusCode));

    const drawn = () =>
      proxy.rate > 0 && draw(identity, n, 'fails') < proxy.rate
        ? proxy.kinds[Math.floor(draw(identity, n, 'kind') * proxy.kinds.length)]
        : undefined;
    req.pause(); // until the fault is known; piping or draining the request resumes it
    void Promise.resolve(proxy.decide ? proxy.decide(record) : drawn()).then((fault) => {
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.once('end', () => (record.body = Buffer.concat(chunks).toString('utf8')));
      }
      if (!fault) return forward(req, res);
      record.fault = fault;
      proxy.faults[fault]++;
      injectFault(fault, req, res, () => proxy.cutAt ?? draw(identity, n, 'cut'));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  function injectFault(fault: FaultKind, req: IncomingMessage, res: ServerResponse, cutAt: () => number): void {
    switch (fault) {
      case 'slowdown':
      case 'internal': {
        const [status, code, message] = ERROR_BODIES[fault];
        const body =
          '<?xml version="1.0" encoding="UTF-8"?>\n' +
          `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>FAULTPROXY</RequestId></Error>`;
        // Answer once the request is in, as S3 does; a HEAD answer has no body.
        req.resume().once('end', () => {
          res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
          res.end(req.method === 'HEAD' ? undefined : body);
        });
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'stall':
        // Take the request and never answer: the client's timeout has to end it.
        req.resume();
        return;
      case 'cut':
        forward(req, res, cutAt());
        return;
      case 'flip':
        forward(req, res, undefined, true);
        return;
    }
  }

  /**
   * Passes the request on as it came, and its answer back. With `cutAt` (a fraction), the
   * answer's body is cut off after that share of its bytes by closing the connection; an answer
   * without a body is dropped once the server has acted on the request. With `flip`, the middle
   * byte of the request body's first chunk is inverted on its way to the server (same length).
   */
  function forward(req: IncomingMessage, res: ServerResponse, cutAt?: number, flip = false): void {
    const headers = { ...req.headers };
    delete headers.expect; // this hop already answered 100 Continue; `expect` is never signed
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
      (answer) => {
        const length = Number(answer.headers['content-length'] ?? 0);
        if (cutAt === undefined) {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
          return;
        }
        if (req.method === 'HEAD' || !(length > 0)) {
          answer.resume().once('end', () => req.socket.destroy());
          return;
        }
        let left = Math.floor(cutAt * length);
        res.writeHead(answer.statusCode!, answer.headers);
        res.flushHeaders();
        // What was written still reaches the client; then the connection closes under it.
        const cut = () => (answer.destroy(), res.socket?.end());
        if (left <= 0) return cut();
        answer.on('data', (chunk: Buffer) => {
          if (left <= 0) return;
          const part = chunk.subarray(0, left);
          left -= part.length;
          res.write(part);
          if (left <= 0) cut();
        });
      },
    );
    out.on('error', () => res.socket?.destroy());
    if (!flip) return void req.pipe(out);
    let flipped = false;
    req.on('data', (chunk: Buffer) => {
      if (!flipped && chunk.length > 0) {
        chunk = Buffer.from(chunk);
        chunk[chunk.length >> 1] ^= 0xff;
        flipped = true;
      }
      out.write(chunk);
    });
    req.on('end', () => out.end());
    req.resume();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** The key a path-style S3 URL addresses: `/bucket/a%20b.txt?x` → `a b.txt`. */
function keyOf(url: string): string {
  const path = url.split('?')[0];
  const slash = path.indexOf('/', 1);
  return slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
}

function copySourceOf(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return decodeURIComponent(header.replace(/^\//, '').split('?')[0]);
}
