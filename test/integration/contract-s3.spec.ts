import { S3Storage } from '../../lib/index.js';
import { describeStorageContract } from 'nestjs-storages/testing';
import { s3Options, server, uniqueLocation } from '../support/s3.js';

describeStorageContract(
  'S3Storage',
  ({ fileOverwrite }) =>
    new S3Storage(s3Options({ fileOverwrite, location: uniqueLocation(`contract-${fileOverwrite}`) })),
  // s3rver lists in its file system's order, not S3's byte order.
  { listsInByteOrder: server.kind !== 's3rver' },
);
