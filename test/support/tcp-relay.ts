/**
 * A TCP relay on 127.0.0.1 in front of the S3 server that counts the connections open through
 * it: what a client holds open is then visible from outside the client.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpRelay {
  endpoint: string;
  /** Connections open right now. */
  open(): number;
  close(): Promise<void>;
}

export async function startTcpRelay(target: string): Promise<TcpRelay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        relay.close(() => resolve());
      }),
  };
}
