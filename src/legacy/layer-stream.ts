import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { Digester } from '../digest/digester.js';
import type { Digest } from '../digest/digest.js';
import { DigestMismatchError } from '../errors/errors.js';
import { parseTarsumDigest, type TarsumCompat } from './tarsum/fields.js';
import { TarSum } from './tarsum/tarsum.js';

export interface LayerFacts {
  /** sha256 of the bytes as fetched. */
  digest: Digest;
  size: number;
  /** sha256 of the uncompressed tar (the diff ID). */
  diffId: Digest;
  /** The TarSum, when the blobSum is one. */
  tarsum?: string;
}

/**
 * Pass-through stream for a schema 1 layer: hashes the bytes (sha256), gunzips once to get the
 * diff ID and, when `blobSum` is a tarsum, the TarSum; at the end it checks the blobSum (a
 * DigestMismatchError otherwise). `facts` is set once the stream has finished.
 */
export class Schema1LayerStream extends Transform {
  facts?: LayerFacts;
  private readonly raw = new Digester('sha256');
  private readonly diff = new Digester('sha256');
  private readonly ts?: TarSum;
  private gunzip?: Gunzip;
  private head: Buffer | undefined = Buffer.alloc(0);
  private failure?: Error;

  constructor(private readonly blobSum: string, opts: { compat?: TarsumCompat } = {}) {
    super();
    const t = parseTarsumDigest(blobSum);
    if (t) this.ts = new TarSum({ version: t.version, hash: t.hash, compat: opts.compat });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.raw.update(chunk);
    this.push(chunk);
    if (this.head) {
      // the gzip magic is two bytes: a first chunk of one byte must not decide (chunked responses)
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 2) return cb();
      chunk = this.head;
      this.head = undefined;
      if (chunk[0] === 0x1f && chunk[1] === 0x8b) this.startGunzip();
    }
    if (this.gunzip) this.gunzip.write(chunk, () => cb(this.failure));
    else this.plain(chunk, cb);
  }

  override _flush(cb: TransformCallback): void {
    const head = this.head;
    this.head = undefined;
    if (head?.length) this.plain(head, (err) => (err ? cb(err) : this.finish(cb)));
    else if (this.gunzip) {
      this.gunzip.once('end', () => this.finish(cb));
      this.gunzip.end();
    } else this.finish(cb);
  }

  private plain(chunk: Buffer, cb: TransformCallback): void {
    try {
      this.diff.update(chunk);
      this.ts?.update(chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  private startGunzip(): void {
    const gz = createGunzip();
    gz.on('data', (d: Buffer) => {
      if (this.failure) return;
      try {
        this.diff.update(d);
        this.ts?.update(d);
      } catch (err) {
        this.failure = err as Error;
        this.destroy(this.failure);
      }
    });
    gz.on('error', (err) => this.destroy((this.failure ??= err)));
    this.gunzip = gz;
  }

  private finish(cb: TransformCallback): void {
    if (this.failure) return cb(this.failure);
    try {
      const facts: LayerFacts = { digest: this.raw.digest(), size: this.raw.size, diffId: this.diff.digest() };
      if (this.ts) facts.tarsum = this.ts.digest();
      const got = facts.tarsum ?? facts.digest;
      if (got !== this.blobSum) return cb(new DigestMismatchError(this.blobSum, got, 'layer'));
      this.facts = facts;
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}
