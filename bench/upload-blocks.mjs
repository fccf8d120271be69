/** The bytes of bench/upload-1gib.mjs: `mib` blocks of 1 MiB of random bytes, each numbered so no two parts are alike. */
import { randomBytes } from 'node:crypto';

export function* blocks(mib) {
  const block = randomBytes(2 ** 20);
  for (let i = 0; i < mib; i++) {
    const copy = Buffer.from(block);
    copy.writeUInt32BE(i);
    yield copy;
  }
}
