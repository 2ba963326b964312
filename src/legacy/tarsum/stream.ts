import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, type Gunzip } from 'node:zlib';
import { TarSum, type TarsumOptions } from './tarsum.js';

export interface TarSumStreamOptions extends TarsumOptions {
  /** Re-emit the input bytes unchanged (to hash or store them at the same time). Default false: a sink. */
  passThrough?: boolean;
}

/**
 * A stream that computes the TarSum of a plain or gzip-compressed tar (detected from the first
 * two bytes) in one pass. After 'finish', `sum` holds the result; it is also emitted as 'tarsum'.
 */
export class TarSumStream extends Transform {
  sum?: string;
  private readonly ts: TarSum;
  private readonly pass: boolean;
  private head: Buffer | undefined = Buffer.alloc(0);
  private gunzip?: Gunzip;
  private failure?: Error;

  constructor(opts: TarSumStreamOptions = {}) {
    super();
    this.ts = new TarSum(opts);
    this.pass = opts.passThrough ?? false;
  }

  get entries(): number {
    return this.ts.entries;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.pass) this.push(chunk);
    if (this.head) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 2) return cb();
      chunk = this.head;
      this.head = undefined;
      if (chunk[0] === 0x1f && chunk[1] === 0x8b) this.startGunzip();
    }
    this.feed(chunk, cb);
  }

  override _flush(cb: TransformCallback): void {
    const finish = (): void => {
      if (this.failure) return cb(this.failure);
      try {
        this.sum = this.ts.digest();
      } catch (err) {
        return cb(err as Error);
      }
      this.emit('tarsum', this.sum);
      cb();
    };
    if (this.head?.length) this.feed(this.head, (err) => (err ? cb(err) : finish()));
    else if (this.gunzip) {
      this.gunzip.once('end', finish);
      this.gunzip.end();
    } else finish();
  }

  private startGunzip(): void {
    const gz = createGunzip();
    gz.on('data', (d: Buffer) => {
      if (this.failure) return;
      try {
        this.ts.update(d);
      } catch (err) {
        this.failure = err as Error;
        gz.destroy();
        this.destroy(this.failure);
      }
    });
    gz.on('error', (err) => {
      this.failure ??= err;
      this.destroy(this.failure);
    });
    this.gunzip = gz;
  }

  private feed(chunk: Buffer, cb: TransformCallback): void {
    if (this.failure) return cb(this.failure);
    if (this.gunzip) {
      this.gunzip.write(chunk, () => cb(this.failure));
      return;
    }
    try {
      this.ts.update(chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}

/** TarSum of a whole stream (plain or gzip tar). */
export async function tarsumOf(input: Readable, opts: TarsumOptions = {}): Promise<string> {
  const ts = new TarSumStream(opts);
  await pipeline(input, ts);
  return ts.sum!;
}
