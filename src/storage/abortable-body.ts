import type { Readable } from 'node:stream';
import { RegistryError } from '../errors/errors.js';

/**
 * A request body an upload is reading, which `abort()` stops at once: the pending read (and every
 * later one) fails with BLOB_UPLOAD_UNKNOWN, even while it waits for bytes that may never come (a
 * stalled client). Written as a plain iterator, one promise per read: an async generator and an
 * AbortSignal listener per read cost a measurable share of PATCH throughput.
 */
export class AbortableBody implements AsyncIterableIterator<Uint8Array> {
  private readonly source: AsyncIterator<Uint8Array>;
  private failed: RegistryError | undefined;
  private rejectPending: ((e: unknown) => void) | undefined;
  /**
   * Since when a read has been waiting for the client (undefined while the store is busy with the
   * last chunk: a slow disk or S3 part upload is not the client's silence).
   */
  private waitingSince: number | undefined;

  constructor(body: AsyncIterable<Uint8Array>) {
    // A Readable (the request) is iterated without being destroyed when the loop stops early: a
    // store that fails mid-upload (a full disk) must still be able to answer with an error. A plain
    // `for await` destroyed the request, which closed the connection, so the client saw a reset.
    const r = body as Partial<Pick<Readable, 'iterator'>>;
    const it = typeof r.iterator === 'function' ? (r.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>) : body;
    this.source = it[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** How long a read has been waiting for the client's next byte (0 when none is waiting). */
  idleMs(now = Date.now()): number {
    return this.waitingSince === undefined ? 0 : now - this.waitingSince;
  }

  abort(why?: RegistryError): void {
    this.failed ??= why ?? new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry: it was cancelled while this request wrote to it');
    this.rejectPending?.(this.failed);
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.rejectPending = reject;
      this.waitingSince = Date.now();
      // after an abort the source's answer settles nothing (the promise is already rejected)
      this.source.next().then((r) => {
        this.waitingSince = undefined;
        resolve(r);
      }, reject);
    });
  }

  /**
   * Stop reading. After an abort the source is told to return without being awaited: an async
   * generator queues that behind its pending read, which ends when the connection closes.
   */
  return(): Promise<IteratorResult<Uint8Array>> {
    const done: IteratorResult<Uint8Array> = { done: true, value: undefined };
    if (!this.source.return) return Promise.resolve(done);
    if (this.failed) {
      this.source.return().catch(() => undefined);
      return Promise.resolve(done);
    }
    return this.source.return().then(() => done);
  }
}
