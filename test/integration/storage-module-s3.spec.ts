import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { InjectStorage, S3Storage, s3OptionsFromConfig, Storage, StorageModule } from '../../lib/index.js';
import { server, uniqueLocation } from '../support/s3.js';
import { startTcpRelay } from '../support/tcp-relay.js';

@Injectable()
class Uploads {
  constructor(@InjectStorage() readonly storage: Storage) {}
}

const settings = {
  AWS_S3_ACCESS_KEY_ID: server.accessKey,
  AWS_S3_SECRET_ACCESS_KEY: server.secretKey,
  AWS_S3_REGION_NAME: server.region,
  AWS_STORAGE_BUCKET_NAME: server.bucket,
  AWS_LOCATION: uniqueLocation('module'),
};

describe('StorageModule on a real S3 server', () => {
  it('saves and reads through a storage configured from ConfigService, and closes its client with the app', async () => {
    const relay = await startTcpRelay(server.endpoint);
    const app = await Test.createTestingModule({
      imports: [
        StorageModule.forRootAsync({
          imports: [
            ConfigModule.forRoot({
              ignoreEnvFile: true,
              load: [() => ({ ...settings, AWS_S3_ENDPOINT_URL: relay.endpoint })],
            }),
          ],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            storages: { default: { backend: S3Storage, options: s3OptionsFromConfig(config) } },
          }),
        }),
      ],
      providers: [Uploads],
    }).compile();
    await app.init();

    const { storage } = app.get(Uploads);
    expect(await storage.save('hello.txt', 'hello from Nest')).toBe('hello.txt');
    const file = await storage.open('hello.txt', 'r');
    expect(await file.read()).toBe('hello from Nest');
    await file.close();
    expect(relay.open()).toBeGreaterThan(0); // the client keeps its connection alive...

    await app.close();
    for (let i = 0; i < 100 && relay.open() > 0; i++) await sleep(10);
    expect(relay.open()).toBe(0); // ...until the application closes
    await relay.close();
  });
});
