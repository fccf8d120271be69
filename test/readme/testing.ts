import { Test } from '@nestjs/testing';
import { getStorageToken, InMemoryStorage } from 'nestjs-storages';
import { AppModule } from './for-root.js';
import { ReportsService } from './service.js';

export async function createTestingApp() {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule], providers: [ReportsService] })
    .overrideProvider(getStorageToken('default'))
    .useValue(new InMemoryStorage({ baseUrl: '/media/' }))
    .compile();
  return moduleRef.get(ReportsService);
}
