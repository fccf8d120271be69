/**
 * An HTTP proxy on 127.0.0.1 in front of the S3 server that counts the requests passing through
 * it by S3 operation: what a client sends is then counted on the wire, retries included,
 * whichever client sends it.
 */
import { createServer, request, Agent, type IncomingMessage } from 'node:http';

export interface CountingProxy {
  endpoint: string;
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
  const server = createServer((req, res) => {
    const operation = operationOf(req.method!, req.url!);
    counts[operation] = (counts[operation] ?? 0) + 1;
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
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
