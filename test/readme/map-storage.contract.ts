// The README's "Your own backend": the package's contract suite run against it.
import { describeStorageContract } from 'nestjs-storages/testing';
import { MapStorage } from './map-storage.js';

describeStorageContract('MapStorage', ({ fileOverwrite }) => new MapStorage({ fileOverwrite }));
