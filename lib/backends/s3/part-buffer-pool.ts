/**
 * The memory every multipart upload of the process fills its parts in: buffers handed out up to
 * a byte budget, reused once given back, and a queue of uploads waiting when the budget is spent.
 *
 * Guarantees: the buffers allocated by one pool (in use and kept for reuse) never add up to more
 * than its budget, so however many uploads run at once, their part buffers take at most that many
 * bytes; a waiting upload stops reading its source, which is how a full pool reaches the sockets
 * feeding it as backpressure. Waiters are served first come, first served, so a large part is
 * never starved by a stream of small ones.
 */

interface Waiter {
  size: number;
  resolve: (buffer: Buffer) => void;
}

export class PartBufferPool {
  private static readonly pools = new Map<number, PartBufferPool>();

  /**
   * The process's pool for `budget` bytes: every storage with the same budget (all of them, with
   * the default) shares one, so one budget bounds the part buffers of all their uploads together.
   */
  static forBudget(budget: number): PartBufferPool {
    let pool = PartBufferPool.pools.get(budget);
    if (!pool) PartBufferPool.pools.set(budget, (pool = new PartBufferPool(budget)));
    return pool;
  }

  /** Given-back buffers by size, ready for reuse. */
  private readonly free = new Map<number, Buffer[]>();
  private readonly waiters: Waiter[] = [];
  private inUseBytes = 0;
  private freeBytes = 0;

  constructor(
    /** Bytes the pool's buffers may take in all. */
    readonly budget: number,
  ) {}

  /** Bytes of the buffers handed out and not yet given back. */
  get bytesInUse(): number {
    return this.inUseBytes;
  }

  /** Bytes the pool holds: buffers in use plus those kept for reuse. Never more than `budget`. */
  get bytesHeld(): number {
    return this.inUseBytes + this.freeBytes;
  }

  /** Uploads waiting for a buffer. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** A buffer of `size` bytes (contents undefined), once the budget has room for it. */
  acquire(size: number): Promise<Buffer> {
    if (size > this.budget) {
      return Promise.reject(new RangeError(`a part of ${size} bytes cannot fit a memory budget of ${this.budget}`));
    }
    if (!this.waiters.length) {
      const buffer = this.take(size);
      if (buffer) return Promise.resolve(buffer);
    }
    return new Promise((resolve) => this.waiters.push({ size, resolve }));
  }

  /** Gives a buffer from `acquire()` back, for the next waiter or for reuse. */
  release(buffer: Buffer): void {
    this.inUseBytes -= buffer.length;
    let kept = this.free.get(buffer.length);
    if (!kept) this.free.set(buffer.length, (kept = []));
    kept.push(buffer);
    this.freeBytes += buffer.length;
    while (this.waiters.length) {
      const next = this.take(this.waiters[0].size);
      if (!next) break;
      this.waiters.shift()!.resolve(next);
    }
  }

  /** Gives up every buffer kept for reuse (they are freed once nothing else holds them). */
  trim(): void {
    this.free.clear();
    this.freeBytes = 0;
  }

  /** A kept buffer of this size, or a new one if the budget allows (dropping kept ones of other sizes). */
  private take(size: number): Buffer | undefined {
    const kept = this.free.get(size);
    if (kept?.length) {
      const buffer = kept.pop()!;
      this.freeBytes -= size;
      this.inUseBytes += size;
      return buffer;
    }
    if (this.inUseBytes + size > this.budget) return undefined;
    for (const [keptSize, buffers] of this.free) {
      if (this.inUseBytes + this.freeBytes + size <= this.budget) break;
      while (buffers.length && this.inUseBytes + this.freeBytes + size > this.budget) {
        buffers.pop();
        this.freeBytes -= keptSize;
      }
    }
    this.inUseBytes += size;
    return Buffer.allocUnsafeSlow(size);
  }
}
