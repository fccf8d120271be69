import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  getStorageToken,
  ImproperlyConfigured,
  InjectStorage,
  InMemoryStorage,
  S3StaticStorage,
  S3Storage,
  s3OptionsFromConfig,
  Storage,
  StorageManager,
  StorageModule,
  type StorageModuleOptions,
  type StorageOptionsFactory,
} from '../../lib/index.js';

@Injectable()
class FilesService {
  constructor(
    @InjectStorage() readonly media: Storage,
    @InjectStorage('staticfiles') readonly assets: Storage,
  ) {}
}

const memoryStorages: StorageModuleOptions = {
  storages: {
    default: { backend: InMemoryStorage, options: { baseUrl: '/media/' } },
    staticfiles: { backend: InMemoryStorage, options: { location: 'static', baseUrl: '/static/' } },
  },
};

async function compile(imports: unknown[], providers: unknown[] = [FilesService]) {
  return Test.createTestingModule({ imports: imports as never[], providers: providers as never[] }).compile();
}

describe('StorageModule.forRoot', () => {
  it('registers one provider per named storage and injects two of them into one service', async () => {
    const app = await compile([StorageModule.forRoot(memoryStorages)]);
    const service = app.get(FilesService);
    expect(service.media).toBeInstanceOf(InMemoryStorage);
    expect(service.assets).toBeInstanceOf(InMemoryStorage);
    expect(service.media).not.toBe(service.assets);
    expect(app.get(getStorageToken('staticfiles'))).toBe(service.assets);
    expect(app.get(getStorageToken())).toBe(service.media);
    await service.assets.save('app.css', 'body{}');
    expect(await service.assets.url('app.css')).toBe('/static/app.css');
    expect(await service.media.exists('app.css')).toBe(false);
    await app.close();
  });

  it('gives the default storage under the Storage class too', async () => {
    const app = await compile([StorageModule.forRoot(memoryStorages)]);
    expect(app.get(Storage)).toBe(app.get(getStorageToken('default')));
    await app.close();
  });

  it('looks storages up by name at run time through StorageManager', async () => {
    const app = await compile([StorageModule.forRoot(memoryStorages)]);
    const manager = app.get(StorageManager);
    expect(manager.names()).toEqual(['default', 'staticfiles']);
    expect(manager.has('staticfiles')).toBe(true);
    expect(manager.has('nope')).toBe(false);
    expect(manager.get()).toBe(app.get(getStorageToken('default')));
    expect(() => manager.get('nope')).toThrow(
      "Could not find config for 'nope' in StorageModule storages: default, staticfiles",
    );
    await app.close();
  });

  it('is global by default, so a feature module injects storages without importing the module', async () => {
    @Module({ providers: [FilesService], exports: [FilesService] })
    class FeatureModule {}
    const app = await compile([StorageModule.forRoot(memoryStorages), FeatureModule], []);
    expect(app.get(FilesService).media).toBeInstanceOf(InMemoryStorage);
    await app.close();
  });

  it('is not global with isGlobal: false', async () => {
    @Module({ providers: [FilesService] })
    class FeatureModule {}
    await expect(
      compile([StorageModule.forRoot({ ...memoryStorages, isGlobal: false }), FeatureModule], []),
    ).rejects.toThrow(/can't resolve dependencies of the FilesService/);
  });

  it("lets a user's test replace a storage with overrideProvider(getStorageToken(name))", async () => {
    const fake = new InMemoryStorage();
    const app = await Test.createTestingModule({
      imports: [StorageModule.forRoot(memoryStorages)],
      providers: [FilesService],
    })
      .overrideProvider(getStorageToken('default'))
      .useValue(fake)
      .compile();
    expect(app.get(FilesService).media).toBe(fake);
    await app.close();
  });

  it('accepts S3 backends as a drop-in for each other: same API, no network at start-up', async () => {
    const app = await compile([
      StorageModule.forRoot({
        storages: {
          default: { backend: S3Storage, options: { bucketName: 'media' } },
          staticfiles: { backend: S3StaticStorage, options: { bucketName: 'assets', location: 'static' } },
        },
      }),
    ]);
    const service = app.get(FilesService);
    expect(service.media).toBeInstanceOf(S3Storage);
    expect((service.assets as S3StaticStorage).querystringAuth).toBe(false);
    expect((service.assets as S3StaticStorage).location).toBe('static');
    await app.close();
  });
});

describe('StorageModule.forRootAsync', () => {
  const env = {
    AWS_STORAGE_BUCKET_NAME: 'media-bucket',
    AWS_S3_REGION_NAME: 'eu-west-1',
    AWS_QUERYSTRING_EXPIRE: '600',
    AWS_S3_FILE_OVERWRITE: 'false',
  };
  const configModule = ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => env] });

  it('builds storages with useFactory from ConfigService and s3OptionsFromConfig', async () => {
    const app = await compile([
      configModule,
      StorageModule.forRootAsync({
        names: ['default', 'staticfiles'],
        imports: [configModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          storages: {
            default: { backend: S3Storage, options: s3OptionsFromConfig(config) },
            staticfiles: { backend: S3StaticStorage, options: s3OptionsFromConfig(config, { location: 'static' }) },
          },
        }),
      }),
    ]);
    const media = app.get(FilesService).media as S3Storage;
    expect(media.bucketName).toBe('media-bucket');
    expect(media.querystringExpire).toBe(600);
    expect(media.fileOverwrite).toBe(false);
    expect(await media.client.config.region()).toBe('eu-west-1');
    expect((app.get(FilesService).assets as S3Storage).location).toBe('static');
    await app.close();
  });

  it('registers only the default storage when names is omitted', async () => {
    const app = await compile(
      [StorageModule.forRootAsync({ useFactory: () => ({ storages: { default: { backend: InMemoryStorage } } }) })],
      [],
    );
    expect(app.get(StorageManager).names()).toEqual(['default']);
    expect(app.get(getStorageToken())).toBeInstanceOf(InMemoryStorage);
    await app.close();
  });

  @Injectable()
  class StorageConfig implements StorageOptionsFactory {
    constructor(private readonly config: ConfigService) {}
    createStorageOptions(): StorageModuleOptions {
      return {
        storages: {
          default: { backend: S3Storage, options: s3OptionsFromConfig(this.config) },
          staticfiles: { backend: InMemoryStorage },
        },
      };
    }
  }

  it('builds storages with useClass', async () => {
    const app = await compile([
      configModule,
      StorageModule.forRootAsync({
        names: ['default', 'staticfiles'],
        imports: [configModule],
        useClass: StorageConfig,
      }),
    ]);
    expect((app.get(FilesService).media as S3Storage).bucketName).toBe('media-bucket');
    await app.close();
  });

  it('builds storages with useExisting', async () => {
    @Module({ imports: [configModule], providers: [StorageConfig], exports: [StorageConfig] })
    class StorageConfigModule {}
    const app = await compile([
      StorageModule.forRootAsync({
        names: ['default', 'staticfiles'],
        imports: [StorageConfigModule],
        useExisting: StorageConfig,
      }),
    ]);
    expect((app.get(FilesService).media as S3Storage).bucketName).toBe('media-bucket');
    await app.close();
  });

  it('refuses a storage the factory returns that names does not list, saying which', async () => {
    const module = StorageModule.forRootAsync({
      names: ['default'],
      useFactory: () => ({ storages: { default: { backend: InMemoryStorage }, media: { backend: InMemoryStorage } } }),
    });
    await expect(compile([module], [])).rejects.toThrow(ImproperlyConfigured);
    await expect(compile([module], [])).rejects.toThrow("storage 'media' is not in forRootAsync's names [default]");
  });

  it('refuses a name in names that the factory does not return, saying which', async () => {
    const module = StorageModule.forRootAsync({
      names: ['default', 'staticfiles'],
      useFactory: () => ({ storages: { default: { backend: InMemoryStorage } } }),
    });
    await expect(compile([module], [])).rejects.toThrow(
      "storage 'staticfiles' is listed in names but the options have no such storage",
    );
  });

  it('needs one of useFactory, useClass or useExisting', () => {
    expect(() => StorageModule.forRootAsync({})).toThrow('needs one of useFactory, useClass or useExisting');
  });
});
