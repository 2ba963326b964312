import { close, read } from 'node:fs';
import { Readable } from 'node:stream';

const CHUNK = 1 << 20;

/**
 * A source a consumer may drive itself: `readInto` fills the consumer's own buffer at the current
 * position and advances it (0 at the end). A consumer that reuses a few buffers avoids a fresh
 * allocation per chunk, which on a busy blob GET path is most of the garbage collector's work.
 */
export interface ReadIntoSource {
  readInto(buf: Uint8Array): Promise<number>;
}

export function canReadInto(r: unknown): r is ReadIntoSource {
  return typeof (r as Partial<ReadIntoSource> | null)?.readInto === 'function';
}

/**
 * A read stream over an open file descriptor from `start` (the filesystem driver's reader). Used as
 * a Readable it behaves like fs.createReadStream; used through readInto (never both) it reads into
 * the caller's buffers. The descriptor is closed on end/destroy, after any read in flight.
 */
export class FileReader extends Readable implements ReadIntoSource {
  private pos: number;
  private inflight: Promise<unknown> = Promise.resolve();

  constructor(private readonly fd: number, start: number) {
    super({ highWaterMark: CHUNK });
    this.pos = start;
  }

  readInto(buf: Uint8Array): Promise<number> {
    if (this.destroyed) return Promise.reject(new Error('read from a closed file reader'));
    const p = new Promise<number>((resolve, reject) => {
      read(this.fd, buf, 0, buf.length, this.pos, (e, n) => {
        if (e) return reject(e);
        this.pos += n;
        resolve(n);
      });
    });
    this.inflight = p.catch(() => undefined);
    return p;
  }

  override _read(size: number): void {
    const buf = Buffer.allocUnsafeSlow(Math.max(size, CHUNK));
    this.readInto(buf).then(
      (n) => this.push(n === 0 ? null : n === buf.length ? buf : buf.subarray(0, n)),
      (e: Error) => this.destroy(e),
    );
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    void this.inflight.then(() => close(this.fd, (e) => cb(err ?? e)));
  }
}
