import { InMemoryStorage } from '../../lib/index.js';
import { describeStorageContract } from '../contract/storage-contract.js';

describeStorageContract(
  'InMemoryStorage',
  ({ fileOverwrite }) => new InMemoryStorage({ fileOverwrite, baseUrl: '/media/' }),
);
