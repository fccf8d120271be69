/**
 * An HTTP proxy on 127.0.0.1 in front of the S3 server that counts the requests passing through
 * it by S3 operation: what a client sends is then counted on the wire, retries included,
 * whichever client sends it.
 */
import { createServer, request, Agent, type IncomingMessage } from 'node:http';

/** A request as it passed: method, path and query, headers, and the whole body. */
export interface CapturedRequest {
  operation: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface CountingProxy {
  endpoint: string;
  /** The requests since the last reset, with headers and bodies (for small tests: bodies are kept). */
  captured: CapturedRequest[];
  /** Requests by operation since the last reset: LIST, GET, HEAD, PUT, DELETE, multipart steps. */
  counts(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

/** The S3 operation of a path-style request. */
export function operationOf(method: string, url: string): string {
  const { pathname, searchParams } = new URL(url, 'http://s3');
  // `/bucket`, `/bucket/` (a listing) or `/bucket/key`.
  const hasKey = /^\/*[^/]+\/./.test(pathname);
  if (searchParams.has('uploads')) return 'CreateMultipartUpload';
  if (searchParams.has('uploadId')) {
    if (method === 'PUT') return 'UploadPart';
    if (method === 'POST') return 'CompleteMultipartUpload';
    if (method === 'DELETE') return 'AbortMultipartUpload';
  }
  if (method === 'POST' && searchParams.has('delete')) return 'DeleteObjects';
  if (!hasKey && method === 'GET') return 'LIST';
  return method;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const { hostname, port } = new URL(target);
  const agent = new Agent({ keepAlive: true });
  let counts: Record<string, number> = {};
  const captured: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const operation = operationOf(req.method!, req.url!);
    counts[operation] = (counts[operation] ?? 0) + 1;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () =>
      captured.push({
        operation,
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks),
      }),
    );
    const upstream = request(
      { host: hostname, port, method: req.method, path: req.url, headers: req.headers, agent },
      (response: IncomingMessage) => {
        res.writeHead(response.statusCode!, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    captured,
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
      captured.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
