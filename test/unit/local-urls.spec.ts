import { tmpdir } from 'node:os';
import { FileSystemStorage, InMemoryStorage } from '../../lib/index.js';

describe.each([
  ['InMemoryStorage', (baseUrl?: string) => new InMemoryStorage({ baseUrl })],
  ['FileSystemStorage', (baseUrl?: string) => new FileSystemStorage({ location: tmpdir(), baseUrl })],
])('%s url()', (_name, make) => {
  it("is relative without a baseUrl, as Django's default MEDIA_URL ''", async () => {
    expect(await make().url('a b/c+d.txt')).toBe('a%20b/c%2Bd.txt');
  });

  it('is under baseUrl, a slash added as Django adds it', async () => {
    expect(await make('/media').url('x/y.txt')).toBe('/media/x/y.txt');
    expect(await make('https://cdn.example.com/media/').url('é.txt')).toBe('https://cdn.example.com/media/%C3%A9.txt');
  });
});
