import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  const s3rver = globalThis.__S3RVER__;
  if (!s3rver) return;
  await s3rver.server.stop();
  await rm(s3rver.directory, { recursive: true, force: true });
}
