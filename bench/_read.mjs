import { S3Storage } from 'nestjs-storages';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { rawClient } from './bench-server.mjs';
const server = JSON.parse(process.argv[2]);
const raw = rawClient(server);
const storage = new S3Storage({ endpointUrl: server.endpoint, accessKey: server.accessKey, secretKey: server.secretKey, regionName: server.region, bucketName: server.bucket, location: 'bench' });
await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'bench/r64.bin', Body: Buffer.alloc(64 << 20, 1) }));
const sides = {
  raw: async () => { const { Body } = await raw.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'bench/r64.bin' })); let n = 0; const sizes = []; for await (const c of Body) { n += c.length; sizes.push(c.length); } return sizes; },
  ours: async () => { let n = 0; const sizes = []; for await (const c of await storage.createReadStream('r64.bin')) { n += c.length; sizes.push(c.length); } return sizes; },
};
const best = { raw: 1e9, ours: 1e9 };
for (let r = 0; r < 8; r++) for (const s of r % 2 ? ['raw', 'ours'] : ['ours', 'raw']) {
  const t = performance.now(); const sizes = await sides[s](); const d = performance.now() - t; best[s] = Math.min(best[s], d);
  if (r === 0) console.log(s, 'chunks', sizes.length, 'avg', Math.round(sizes.reduce((a, b) => a + b) / sizes.length));
}
console.log(best, 'ratio', (best.raw / best.ours).toFixed(2));
storage.close(); raw.destroy();
