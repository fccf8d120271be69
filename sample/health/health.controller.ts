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
    // A storage that does not answer within 5 s is down (terminus's own pings wait 1 s).
    return this.health.check([
      () => this.storage.pingCheck('media', { storage: 'default', timeout: 5000 }),
      () => this.storage.pingCheck('staticfiles', { storage: 'staticfiles', timeout: 5000 }),
    ]);
  }
}
