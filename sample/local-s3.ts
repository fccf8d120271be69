/**
 * The sample's embedded S3 server: when no S3 is configured (no AWS_S3_ENDPOINT_URL and no
 * AWS_STORAGE_BUCKET_NAME in the environment or .env), start s3rver on loopback with its data
 * under .data/s3 in the repository, with the bucket and the CORS rule browser uploads need,
 * and point the AWS_S3_* settings at it. With real settings nothing is started or changed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { Logger } from '@nestjs/common';

const BUCKET = 'nestjs-storages-sample';

const CORS = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>
`;

export interface LocalS3 {
  endpoint: string;
  stop(): void;
}

export async function startLocalS3IfUnconfigured(
  root: string,
  logger = new Logger('LocalS3'),
): Promise<LocalS3 | undefined> {
  if (process.env.AWS_S3_ENDPOINT_URL || process.env.AWS_STORAGE_BUCKET_NAME) {
    logger.log(
      `Using the configured S3 server: ${process.env.AWS_S3_ENDPOINT_URL ?? 'AWS'}, bucket ${process.env.AWS_STORAGE_BUCKET_NAME}`,
    );
    return undefined;
  }
  const directory = join(root, '.data', 's3');
  mkdirSync(directory, { recursive: true });
  const cors = join(root, '.data', 'cors.xml');
  writeFileSync(cors, CORS);

  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const port = process.env.LOCAL_S3_PORT ?? '0';
  // --openssl-legacy-provider: s3rver's list pagination tokens use DES.
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      bin,
      '-d',
      directory,
      '-a',
      '127.0.0.1',
      '-p',
      port,
      '--configure-bucket',
      BUCKET,
      cors,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const endpoint = await listeningOn(child);
  child.stdout!.resume();
  // Nest's shutdown hooks end the process by signal, when 'exit' handlers do not run: stop on both.
  const stop = () => child.kill();
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);

  Object.assign(process.env, {
    AWS_S3_ENDPOINT_URL: endpoint,
    AWS_S3_ACCESS_KEY_ID: 'S3RVER',
    AWS_S3_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_S3_REGION_NAME: 'us-east-1',
    AWS_STORAGE_BUCKET_NAME: BUCKET,
  });
  logger.log(
    `No S3 settings found (AWS_S3_ENDPOINT_URL, AWS_STORAGE_BUCKET_NAME): started an embedded S3 server at ${endpoint}`,
  );
  logger.log(
    `Bucket '${BUCKET}', data in ${relative(process.cwd(), directory) || directory}. Set the AWS_* settings (or .env) to use real S3.`,
  );
  return { endpoint, stop };
}

function listeningOn(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', function onData(data: Buffer) {
      output += data.toString();
      const match = /listening on ([\d.]+):(\d+)/.exec(output);
      if (match) {
        child.stdout!.off('data', onData);
        resolve(`http://${match[1]}:${match[2]}`);
      }
    });
    child.once('exit', (code) => reject(new Error(`the embedded S3 server exited with ${code}: ${output}`)));
  });
}
