import { S3Storage } from 'nestjs-storages';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { rawClient } from './bench-server.mjs';
const server = JSON.parse(process.argv[2]); const side = process.argv[3];
const raw = rawClient(server);
const storage = new S3Storage({ endpointUrl: server.endpoint, accessKey: server.accessKey, secretKey: server.secretKey, regionName: server.region, bucketName: server.bucket, location: 'bench' });
const f = side === 'raw' ? async () => { const { Body } = await raw.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'bench/r64.bin' })); for await (const c of Body); } : async () => { for await (const c of await storage.createReadStream('r64.bin')); };
await f(); const c0 = process.cpuUsage(); const t = performance.now(); for (let i = 0; i < 20; i++) await f(); const c = process.cpuUsage(c0); console.log(side, ((performance.now() - t) / 20).toFixed(1), 'ms per 64 MiB; cpu user', (c.user / 20000).toFixed(1), 'sys', (c.system / 20000).toFixed(1));
storage.close(); raw.destroy();
