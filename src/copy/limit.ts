/** A counting semaphore: at most `n` tasks run at once (blob transfers, bounded by --jobs). */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`concurrency must be a positive integer, got ${n}`);
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Default parallel blob transfers (oras-go and crane use 3–4). */
export const DEFAULT_JOBS = 4;

/** Blobs up to this size (configs, small layers) take the small-blob lane, not a transfer slot. */
export const SMALL_BLOB_BYTES = 1 << 20;
