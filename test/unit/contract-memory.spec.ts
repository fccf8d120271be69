import { InMemoryStorage } from '../../lib/index.js';
import { describeStorageContract } from 'nestjs-storages/testing';

describeStorageContract(
  'InMemoryStorage',
  ({ fileOverwrite }) => new InMemoryStorage({ fileOverwrite, baseUrl: '/media/' }),
);
