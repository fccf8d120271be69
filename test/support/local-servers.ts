/**
 * Small servers on loopback that stand between a storage and the S3 server of the test run:
 * a TLS front with a certificate made for the test, a forward proxy, and one that always fails.
 * Each counts what it saw, so a test can show its requests went that way.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server, scheme: 'http' | 'https', tunnels: Socket[] = []): Promise<LocalServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of tunnels) socket.destroy();
      }),
  };
}

/** Sends `req` on to `target` (an http or https URL of the S3 server) and pipes the answer back. */
function forward(req: IncomingMessage, res: ServerResponse, target: URL, path = req.url!): void {
  const headers = { ...req.headers };
  delete headers['proxy-authorization'];
  delete headers['proxy-connection'];
  delete headers.expect; // this hop already answered 100 Continue
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = send(
    { host: target.hostname, port: target.port, method: req.method, path, headers, agent: false },
    (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** A certificate for 127.0.0.1 made with Debian's `openssl`, valid one day, and its key. */
export function selfSignedCertificate(): { cert: string; key: string; certPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tls-'));
  const [certPath, keyPath] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  execFileSync(
    'openssl',
    // prettier-ignore
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath };
}

/** An HTTPS server that passes every request on to `target` unchanged. */
export async function tlsFront(
  target: string,
  { cert, key }: { cert: string; key: string },
): Promise<LocalServer & { requests: number }> {
  const front = { requests: 0 };
  const server = createHttpsServer({ cert, key }, (req, res) => {
    front.requests++;
    forward(req, res, new URL(target));
  });
  return Object.assign(front, await listen(server, 'https'));
}

/**
 * A forward proxy: plain http requests in absolute form (`GET http://host/path`) are counted and
 * passed on; CONNECT tunnels are counted apart.
 */
export async function forwardProxy(): Promise<LocalServer & { requests: string[]; tunnels: string[] }> {
  const proxy = { requests: [] as string[], tunnels: [] as string[] };
  const server = createHttpServer((req, res) => {
    const target = new URL(req.url!);
    proxy.requests.push(`${req.method} ${req.url}`);
    forward(req, res, target, target.pathname + target.search);
  });
  const sockets: Socket[] = [];
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    proxy.tunnels.push(req.url!);
    const [host, port] = req.url!.split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    sockets.push(socket, upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  return Object.assign(proxy, await listen(server, 'http', sockets));
}

/** A server that answers every request with 500, counting them. */
export async function failingServer(): Promise<LocalServer & { requests: number }> {
  const failing = { requests: 0 };
  const server = createHttpServer((req, res) => {
    failing.requests++;
    req.resume();
    res.writeHead(500, { 'content-type': 'application/xml' });
    res.end('<?xml version="1.0"?><Error><Code>InternalError</Code><Message>failing on purpose</Message></Error>');
  });
  return Object.assign(failing, await listen(server, 'http'));
}
