/**
 * The `aws` command line client (Debian's `awscli`, or `S3_TEST_AWS_CLI`) on the test server,
 * with only the test server's credentials: the user's own AWS profile, endpoint and region
 * never reach it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { server } from './s3.js';

export const awsCommand = process.env.S3_TEST_AWS_CLI || 'aws';

function awsEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return {
    ...env,
    AWS_ACCESS_KEY_ID: server.accessKey,
    AWS_SECRET_ACCESS_KEY: server.secretKey,
    AWS_DEFAULT_REGION: server.region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    // Clients since awscli 2.23 / botocore 1.36 checksum every upload, over https aws-chunked with
    // a trailer that s3rver would store as the object. Over http, and in Debian's awscli 2.9 (which
    // ignores these), measured harmless; kept so a newer client cannot change what is stored.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
  };
}

/** `aws --version`, or undefined when there is no working `aws` to run. */
export const awsVersion: string | undefined = (() => {
  const result = spawnSync(awsCommand, ['--version'], { encoding: 'utf8', env: awsEnv() });
  return result.status === 0 ? (result.stdout || result.stderr).trim() : undefined;
})();

/** Runs `aws --endpoint-url <server> ...args` and resolves to its stdout; a failure rejects with its stderr. */
export function aws(...args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(awsCommand, ['--endpoint-url', server.endpoint, ...args], {
      env: awsEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(stdout));
      else reject(new Error(`aws ${args.join(' ')} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/** `aws s3api head-object` of a key, parsed. */
export async function headObject(key: string): Promise<Record<string, unknown>> {
  return JSON.parse((await aws('s3api', 'head-object', '--bucket', server.bucket, '--key', key)).toString());
}
