import { Injectable } from '@nestjs/common';
import { ContentFile, InjectStorage, type Storage } from 'nestjs-storages';

@Injectable()
export class ReportsService {
  constructor(@InjectStorage() private readonly storage: Storage) {}

  async publish(csv: string): Promise<string> {
    // The name actually used comes back: 'reports/q3_XXXXXXX.csv' when 'reports/q3.csv' is taken
    // and fileOverwrite is false.
    const name = await this.storage.save('reports/q3.csv', new ContentFile(csv));
    return this.storage.url(name, { expire: 600, parameters: { ResponseContentDisposition: 'attachment' } });
  }

  async firstLine(name: string): Promise<string> {
    await using file = await this.storage.open(name, 'r');
    return file.readline();
  }

  async listReports(): Promise<string[]> {
    const [, files] = await this.storage.listdir('reports');
    return files;
  }
}
