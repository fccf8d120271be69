/**
 * What the collectstatic command prints while it runs: on a terminal, one progress bar line
 * redrawn in place; otherwise (CI logs, pipes) a plain line per file copied or deleted.
 */
import type { CollectStaticProgress, CollectStaticResult } from '../staticfiles/collect-static.js';

interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export class ProgressReporter {
  private readonly counts = { copied: 0, unchanged: 0, deleted: 0 };
  private bytes = 0;
  private lastDraw = 0;

  constructor(
    private readonly out: Output,
    private readonly dryRun: boolean,
  ) {}

  readonly onProgress = (event: CollectStaticProgress): void => {
    this.counts[event.action]++;
    if (event.action === 'copied') this.bytes += event.bytes;
    if (!this.out.isTTY) {
      const verb = this.dryRun ? 'Would ' : '';
      if (event.action === 'copied') this.out.write(`${verb}${this.dryRun ? 'copy' : 'Copying'} '${event.name}'\n`);
      if (event.action === 'deleted') this.out.write(`${verb}${this.dryRun ? 'delete' : 'Deleting'} '${event.name}'\n`);
      return;
    }
    // Redraw at most 20 times a second, and always at the end.
    const now = Date.now();
    if (event.done < event.total && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 60));
    const filled = Math.round((event.done / event.total) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const { copied, unchanged, deleted } = this.counts;
    this.out.write(
      `\r[${bar}] ${event.done}/${event.total}  copied ${copied}, unchanged ${unchanged}, deleted ${deleted}, ${formatBytes(this.bytes)}\x1b[K`,
    );
    if (event.done === event.total) this.out.write('\n');
  };

  /** The closing line: counts, bytes and time, as Django's "N static files copied" line. */
  summary(result: CollectStaticResult, milliseconds: number): string {
    const action = this.dryRun ? 'would be copied' : 'copied';
    const deleted = this.dryRun ? 'would be deleted' : 'deleted';
    return (
      `${result.copied.length} static file${result.copied.length === 1 ? '' : 's'} ${action} ` +
      `(${formatBytes(result.bytes)}), ${result.unchanged.length} unchanged, ` +
      `${result.deleted.length} ${deleted}, in ${(milliseconds / 1000).toFixed(1)}s.` +
      (this.dryRun ? ' Dry run: nothing was written.' : '')
    );
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
