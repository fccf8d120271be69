import { startBenchServer, rawClient, ensureBucket } from './bench-server.mjs';
const { server } = await startBenchServer();
await ensureBucket(rawClient(server), server.bucket);
console.log(JSON.stringify(server));
setInterval(() => {}, 1e9);
