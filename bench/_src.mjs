import { Readable } from 'node:stream';
const MiB = 1048576, SIZE = 512 * MiB;
function generated(size) {
  const CHUNK = 64 * 1024;
  const block = Buffer.alloc(CHUNK);
  return Readable.from((function* () { for (let offset = 0, n = 0; offset < size; offset += CHUNK, n++) { const chunk = Buffer.from(block.subarray(0, Math.min(CHUNK, size - offset))); chunk.writeUInt32LE(n, 0); yield chunk; } })(), { objectMode: false });
}
const m0 = process.memoryUsage(); let peak = m0;
const t = setInterval(() => { const m = process.memoryUsage(); if (m.rss > peak.rss) peak = m; }, 20);
for await (const c of generated(SIZE)) { await new Promise(setImmediate); }
clearInterval(t);
const f = (k) => ((peak[k] - m0[k]) / MiB).toFixed(1);
console.log('rss', f('rss'), 'heapTotal', f('heapTotal'), 'arrayBuffers', f('arrayBuffers'), 'external', f('external'), 'maxRSS growth', ((process.resourceUsage().maxRSS * 1024 - m0.rss) / MiB).toFixed(1));
