import type { Readable } from 'node:stream';

/** Pull fixed-size chunks (or skip bytes) from a Readable without holding more than one chunk. */
export class ChunkReader {
  private readonly it: AsyncIterator<unknown>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private done = false;
  /** The source's error: every later read rethrows it (a failed source is not a short one). */
  private failed: unknown;
  /** Bytes handed out or skipped so far. */
  position = 0;

  constructor(readonly source: Readable) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    if (this.failed !== undefined) throw this.failed;
    while (this.pendingBytes < n && !this.done) {
      let r: IteratorResult<unknown>;
      try {
        r = await this.it.next();
      } catch (e) {
        this.failed = e ?? new Error('source failed');
        throw this.failed;
      }
      if (r.done) {
        this.done = true;
        break;
      }
      const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
      this.pending.push(b);
      this.pendingBytes += b.length;
    }
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    this.position += out.length;
    return out;
  }

  /** Up to `n` bytes; an empty buffer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    return this.take(Math.min(n, this.pendingBytes));
  }

  /** Up to `n` bytes as the buffers they arrived in (no copy); an empty list at the end of the stream. */
  async readList(n: number): Promise<Buffer[]> {
    await this.fill(n);
    const out: Buffer[] = [];
    let left = Math.min(n, this.pendingBytes);
    while (left > 0) {
      const b = this.pending[0]!;
      const take = Math.min(b.length, left);
      out.push(take === b.length ? b : b.subarray(0, take));
      if (take === b.length) this.pending.shift();
      else this.pending[0] = b.subarray(take);
      this.pendingBytes -= take;
      this.position += take;
      left -= take;
    }
    return out;
  }

  /** Discard `n` bytes (resuming after a prefix the registry already has). Returns bytes skipped. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const b = await this.read(Math.min(left, 1024 * 1024));
      if (!b.length) break;
      left -= b.length;
    }
    return n - left;
  }

  /** True once the source has nothing more. */
  async atEnd(): Promise<boolean> {
    await this.fill(1);
    return this.pendingBytes === 0;
  }

  close(): void {
    this.source.destroy();
  }
}
