import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemStorage } from '../../lib/index.js';
import { describeStorageContract } from 'nestjs-storages/testing';

const root = mkdtempSync(join(tmpdir(), 'fs-contract-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeStorageContract(
  'FileSystemStorage',
  ({ fileOverwrite }) =>
    new FileSystemStorage({ location: join(root, String(fileOverwrite)), fileOverwrite, baseUrl: '/media/' }),
);
