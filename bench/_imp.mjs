process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const MiB = 1024 * 1024;
const what = process.argv[2];
if (what === 'base') { await import('reflect-metadata'); await import('@aws-sdk/client-s3'); await import('@nestjs/core'); }
else if (what === 'pkg') { await import('reflect-metadata'); await import('@aws-sdk/client-s3'); await import('@nestjs/core'); const { S3Storage } = await import('/work/wt-h16/dist/lib/index.js'); new S3Storage({ bucketName: 'b', regionName: 'us-east-1', accessKey: 'a', secretKey: 'b' }); }
else { await import(what); }
globalThis.gc(); globalThis.gc();
console.log(what, (process.memoryUsage.rss() / MiB).toFixed(1), 'heapUsed', (process.memoryUsage().heapUsed / MiB).toFixed(1));
