import { collectStatic, S3ManifestStaticStorage } from 'nestjs-storages';

export async function publishAssets(): Promise<void> {
  const storage = new S3ManifestStaticStorage({ bucketName: 'assets', location: 'static' });
  const result = await collectStatic(storage, 'dist/public', { clear: true, concurrency: 32 });
  console.log(`${result.copied.length} copied, ${result.unchanged.length} unchanged, ${result.deleted.length} deleted`);
  console.log(await storage.url('app.css')); // https://assets.s3.us-east-1.amazonaws.com/static/app.3c5e4b0d1f2a.css
  await storage.close();
}
