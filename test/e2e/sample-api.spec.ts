/**
 * The sample app's API as a new user tries it: names that climb out of the storage are answered
 * 400 with the reason (StorageExceptionFilter, applied globally), `/health` reports both storages
 * (StorageHealthIndicator), and `/docs-json` describes the upload route (ApiStorageFile).
 */
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createSampleApp } from '../../sample/app.js';
import { server } from '../support/s3.js';

const root = join(import.meta.dirname, '..', '..');

describe('the sample API', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_S3_ENDPOINT_URL: server.endpoint,
      AWS_S3_ACCESS_KEY_ID: server.accessKey,
      AWS_S3_SECRET_ACCESS_KEY: server.secretKey,
      AWS_S3_REGION_NAME: server.region,
      AWS_STORAGE_BUCKET_NAME: server.bucket,
    });
    app = await createSampleApp(root);
    app.useLogger(false);
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app?.close());

  async function request(method: string, path: string, body?: object) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON body, of whatever the route answers
    return { status: response.status, body: (await response.json()) as any };
  }

  it('answers 400 with the reason when a delete names a file outside the storage', async () => {
    const { status, body } = await request('DELETE', '/api/files?name=../../etc/passwd');
    expect(status).toBe(400);
    expect(body.message).toBe("Attempted access to '../../etc/passwd' denied.");
  });

  it('answers 400 with the reason when an upload URL is asked for a name outside the storage', async () => {
    const { status, body } = await request('POST', '/api/upload-url', { name: '../../x.txt' });
    expect(status).toBe(400);
    expect(body.message).toBe("Detected path traversal attempt in 'direct/../..'");
  });

  it('reports both storages up at /health', async () => {
    const { status, body } = await request('GET', '/health');
    expect(body.error).toEqual({}); // shows the reason, if down
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      info: { media: { status: 'up' }, staticfiles: { status: 'up' } },
    });
  });

  it('describes the upload route as multipart/form-data with a binary file field', async () => {
    const { status, body } = await request('GET', '/docs-json');
    expect(status).toBe(200);
    expect(body.paths['/files'].post.requestBody.content['multipart/form-data'].schema.properties).toEqual({
      file: { type: 'string', format: 'binary' },
    });
  });
});
