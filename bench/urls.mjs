/**
 * URLs per second of each kind url() makes, beside the SDK's raw getSignedUrl and a plain
 * template string, on the same client in the same run. No server is needed: no URL does I/O.
 *
 *   npm run bench:urls                 (builds dist/ first)
 *   BENCH_SECONDS=2 npm run bench:urls (time per kind and round; default 0.5)
 *
 * Rounds are interleaved and the best round of each kind is kept, so a neighbour's load on a
 * shared machine hurts every kind alike. The ratios are the figures; absolute rates vary.
 */
import { generateKeyPairSync } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { S3Storage, cleanName } from 'nestjs-storages';
import { gatewayOf } from '../dist/cjs/backends/s3/s3-gateway.js';
import { S3Presigner } from '../dist/cjs/backends/s3/s3-presigner.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const bucket = 'media';
// AWS, virtual-host style. Checksums WHEN_REQUIRED so getSignedUrl makes the very same URLs (checked below).
const options = {
  bucketName: bucket,
  regionName: 'eu-west-1',
  accessKey: 'AKIDEXAMPLE',
  secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
};
const signed = new S3Storage(options);
const { client } = signed;
const unsigned = new S3Storage({ ...options, client, querystringAuth: false });
const custom = new S3Storage({ ...options, client, customDomain: 'cdn.example.com' });
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const cloudfront = new S3Storage({
  ...options,
  client,
  customDomain: 'd111111abcdef8.cloudfront.net',
  cloudfrontKey: privateKey,
  cloudfrontKeyId: 'K2JCJMDEHXQW5F',
});

const name = (i) => `photos/${i % 1000}/image ${i}.jpg`;
const disposition = { ResponseContentDisposition: 'attachment; filename="image.jpg"' };
const base = `https://${bucket}.s3.eu-west-1.amazonaws.com`;

const kinds = {
  // The URL a user's own code builds: each key segment percent-encoded (keys here have spaces).
  'template string': async (i) => `${base}/${name(i).split('/').map(encodeURIComponent).join('/')}`,
  // What every url() does first, as every storage method: Django's name cleaning and the location join.
  'name cleaning only': async (i) => gatewayOf(signed).normalizeName(cleanName(name(i))),
  'getSignedUrl GET (raw SDK)': (i) =>
    getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: name(i) }), { expiresIn: 3600 }),
  'getSignedUrl GET + params': (i) =>
    getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: name(i), ...disposition }), { expiresIn: 3600 }),
  'getSignedUrl PUT (raw SDK)': (i) =>
    getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: name(i) }), { expiresIn: 3600 }),
  'url() presigned GET': (i) => signed.url(name(i)),
  'url() presigned GET + params': (i) => signed.url(name(i), { parameters: disposition }),
  'url() presigned PUT': (i) => signed.url(name(i), { httpMethod: 'PUT' }),
  'url() unsigned': (i) => unsigned.url(name(i)),
  'url() custom domain': (i) => custom.url(name(i)),
  'url() CloudFront-signed': (i) => cloudfront.url(name(i)),
};

await checkSameUrls();
const best = Object.fromEntries(Object.keys(kinds).map((kind) => [kind, 0]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [kind, make] of Object.entries(kinds)) best[kind] = Math.max(best[kind], await rate(make));
}

const rows = Object.entries(best).map(([kind, perSecond]) => [kind, Math.round(perSecond).toLocaleString('en')]);
console.log(`\nURLs per second (best of ${ROUNDS} rounds of ${SECONDS}s, Node ${process.version})\n`);
for (const [kind, perSecond] of rows) console.log(`  ${kind.padEnd(30)} ${perSecond.padStart(12)}`);

const ratio = (a, b) => `${(best[a] / best[b]).toFixed(1)}x`;
const cost = (kind) => `${(best['template string'] / best[kind]).toFixed(2)}x the time of a template string`;
console.log('\nRatios (ours / raw getSignedUrl, same operation):');
console.log(`  presigned GET           ${ratio('url() presigned GET', 'getSignedUrl GET (raw SDK)')}`);
console.log(`  presigned GET + params  ${ratio('url() presigned GET + params', 'getSignedUrl GET + params')}`);
console.log(`  presigned PUT           ${ratio('url() presigned PUT', 'getSignedUrl PUT (raw SDK)')}`);
console.log('Cost of the string-only kinds:');
console.log(`  name cleaning alone     ${cost('name cleaning only')}`);
console.log(`  unsigned                ${cost('url() unsigned')}`);
console.log(`  custom domain           ${cost('url() custom domain')}`);
console.log(
  `  CloudFront-signed       ${ratio('url() CloudFront-signed', 'getSignedUrl GET (raw SDK)')} of raw getSignedUrl (an RSA signature each)`,
);

/** URLs made per second by `make` over SECONDS, after a short warm-up. */
async function rate(make) {
  for (let i = 0; i < 200; i++) await make(i);
  let count = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    // A batch between clock reads, so reading the clock costs nothing next to a template string.
    for (let i = 0; i < 100; i++) await make(count++);
  }
  return count / ((performance.now() - start) / 1000);
}

/** The fast presigner must make getSignedUrl's URL byte for byte, or the figures compare nothing. */
async function checkSameUrls() {
  const signingDate = new Date('2030-01-01T00:00:00Z');
  const presigner = new S3Presigner(client, bucket);
  for (const [method, Command, parameters] of [
    ['GET', GetObjectCommand, {}],
    ['GET', GetObjectCommand, disposition],
    ['PUT', PutObjectCommand, {}],
  ]) {
    const ours = await presigner.presign(method, name(7), parameters, { expiresIn: 3600, signingDate });
    const sdk = await getSignedUrl(client, new Command({ Bucket: bucket, Key: name(7), ...parameters }), {
      expiresIn: 3600,
      signingDate,
    });
    if (ours !== sdk) throw new Error(`${method} URLs differ:\n  ours ${ours}\n  sdk  ${sdk}`);
  }
  console.log('fast presigner == getSignedUrl for GET, GET + params, PUT (fixed signing date): ok');
}
