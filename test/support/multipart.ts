/**
 * A multipart/form-data request written by hand over `http.request`, so a test decides when the
 * body stops: to send part of a file and then go away, as a client that disconnects does.
 */
import { request, type ClientRequest } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface PartialUpload {
  request: ClientRequest;
  /** Writes `bytes` more of the file and resolves once they are handed to the socket. */
  send(bytes: number): Promise<void>;
  /** Closes the connection mid-body, as a client that goes away. */
  disconnect(): void;
}

/** Starts a POST of one file part to `url` and writes its headers; the file's bytes come from `send()`. */
export function startUpload(url: string, field: string, filename: string): PartialUpload {
  const boundary = `----upload${randomBytes(8).toString('hex')}`;
  const req = request(url, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
  });
  req.on('error', () => undefined); // the disconnect is the point
  req.write(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const chunk = randomBytes(64 * 1024);
  return {
    request: req,
    async send(bytes) {
      for (let left = bytes; left > 0; left -= chunk.length) {
        const data = left >= chunk.length ? chunk : chunk.subarray(0, left);
        if (!req.write(data)) await new Promise((resolve) => req.once('drain', resolve));
      }
    },
    disconnect() {
      req.destroy();
    },
  };
}
