import type { ChildProcess } from 'node:child_process';

export interface S3rverProcess {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function startS3rver(directory: string, args?: string[]): Promise<S3rverProcess>;
