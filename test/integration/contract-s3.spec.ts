import { S3Storage } from '../../lib/index.js';
import { describeStorageContract } from 'nestjs-storages/testing';
import { s3Options, uniqueLocation } from '../support/s3.js';

describeStorageContract(
  'S3Storage',
  ({ fileOverwrite }) =>
    new S3Storage(s3Options({ fileOverwrite, location: uniqueLocation(`contract-${fileOverwrite}`) })),
);
