import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError, SizeMismatchError } from '../errors/errors.js';
import type { Algorithm, Digest } from './digest.js';
import { algorithmOf } from './digest.js';

/** Incremental hasher over node:crypto (the hot path: ~1 GiB/s). */
export class Digester {
  private readonly hash: Hash;
  size = 0;
  constructor(readonly algorithm: Algorithm = 'sha256') {
    this.hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.length;
  }
  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest('hex')}` as Digest;
  }
}

export interface VerifyOptions {
  digest: Digest;
  size?: number;
  /** What is being verified, for the error message (e.g. the blob digest). */
  what?: string;
}

/**
 * The check behind VerifyingStream (and transport/direct-body.ts): hash each chunk, fail as soon
 * as there are more bytes than `size`, and at the end fail unless size and digest match.
 */
export class Verifier {
  private readonly digester: Digester;
  constructor(readonly opts: VerifyOptions) {
    this.digester = new Digester(algorithmOf(opts.digest));
  }
  get bytes(): number {
    return this.digester.size;
  }
  /** True when this checks exactly `digest` and `size`. */
  verifies(digest: string, size: number): boolean {
    return this.opts.digest === digest && this.opts.size === size;
  }
  private get what(): string {
    return this.opts.what ?? this.opts.digest;
  }
  /** Throws SizeMismatchError once the bytes exceed `size`. */
  update(chunk: Uint8Array): void {
    this.digester.update(chunk);
    if (this.opts.size !== undefined && this.digester.size > this.opts.size) throw new SizeMismatchError(this.opts.size, this.digester.size, this.what);
  }
  /** The mismatch at the end, or undefined when size and digest match. */
  finish(): SizeMismatchError | DigestMismatchError | undefined {
    if (this.opts.size !== undefined && this.digester.size !== this.opts.size) return new SizeMismatchError(this.opts.size, this.digester.size, this.what);
    const actual = this.digester.digest();
    return actual === this.opts.digest ? undefined : new DigestMismatchError(this.opts.digest, actual, this.opts.what ?? 'blob');
  }
}

/**
 * A pass-through stream that hashes while bytes flow and fails at the end (or as soon as the
 * size is exceeded) when the content does not match. Nothing downstream should treat the data as
 * verified until this stream has finished without error.
 */
export class VerifyingStream extends Transform {
  private readonly check: Verifier;
  constructor(opts: VerifyOptions) {
    super();
    this.check = new Verifier(opts);
  }
  get bytes(): number {
    return this.check.bytes;
  }
  /** True when this stream checks exactly `digest` and `size` (so a consumer need not hash again). */
  verifies(digest: string, size: number): boolean {
    return this.check.verifies(digest, size);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.check.update(chunk);
    } catch (e) {
      cb(e as Error);
      return;
    }
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    cb(this.check.finish());
  }
}
