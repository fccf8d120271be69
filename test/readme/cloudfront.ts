import { readFileSync } from 'node:fs';
import { S3Storage, type StorageDefinition } from 'nestjs-storages';

export const media: StorageDefinition = {
  backend: S3Storage,
  options: {
    bucketName: 'media',
    customDomain: 'd111111abcdef8.cloudfront.net',
    cloudfrontKeyId: 'K2JCJMDEHXQW5F',
    cloudfrontKey: readFileSync('/run/secrets/cloudfront.pem', 'utf8'),
  },
};
