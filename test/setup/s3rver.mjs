/**
 * s3rver as a child process on a free 127.0.0.1 port, for the test suite's global setup and
 * for the benchmarks in bench/. Plain JavaScript so both can load it without a compiler.
 *
 * A child, not in-process: s3rver needs `--openssl-legacy-provider` (its list pagination uses
 * DES tokens) and crashes on a key segment over 255 bytes, which in-process would take the
 * caller down with it.
 */
import { spawn } from 'node:child_process';
import process from 'node:process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Starts s3rver storing its files in `directory`.
 * @param {string} directory
 * @param {string[]} [args] more s3rver arguments
 * @returns {Promise<{ endpoint: string, process: import('node:child_process').ChildProcess, stop(): Promise<void> }>}
 */
export async function startS3rver(directory, args = []) {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', bin, '-d', directory, '-a', '127.0.0.1', '-p', '0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const endpoint = await new Promise((resolve, reject) => {
    let output = '';
    const onData = (data) => {
      output += data.toString();
      const match = /listening on ([\d.]+):(\d+)/.exec(output);
      if (match) {
        child.stdout.off('data', onData);
        resolve(`http://${match[1]}:${match[2]}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (data) => (output += data.toString()));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${output}`)));
  });
  // Keep draining its log so a full pipe never blocks it.
  child.stdout.resume();
  child.stderr.resume();
  return {
    endpoint,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
