import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { StorageHealthIndicator } from 'nestjs-storages';

/** `GET /health`: 200 when both storages answer, 503 with the reason when one does not. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly storage: StorageHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.storage.pingCheck('media', { storage: 'default' }),
      () => this.storage.pingCheck('staticfiles', { storage: 'staticfiles' }),
    ]);
  }
}
