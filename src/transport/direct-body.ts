import { Readable } from 'node:stream';
import type { Drainable } from '../content/drainable.js';
import { Verifier, type VerifyOptions } from '../digest/digester.js';

/** What a DirectBody reads from: the raw connection of direct-get.ts. */
export interface DirectSource {
  /** Called with each read; a view of a reused buffer, valid only during the call. False pauses reading. */
  onBytes: (view: Buffer) => boolean;
  /** Called once when the connection ends or fails. */
  onEnd: (err?: Error) => void;
  pause(): void;
  resume(): void;
  close(): void;
  /** When bytes last arrived (ms since the epoch). */
  readonly lastReadAt: number;
}

/**
 * A response body read straight off a socket into one reused buffer (see direct-get.ts). Consumed
 * two ways:
 * - as a Readable, like any response body: each read is copied out;
 * - with `drain(sink)`: `sink` sees each read in place and synchronously (no copy, no stream hop, no
 *   fresh buffer per read for the garbage collector): a pull hashes and writes it before the
 *   next read reuses the memory.
 * With `verify()` it checks size and digest as VerifyingStream does, whichever way it is read.
 */
export class DirectBody extends Readable implements Drainable {
  private mode: 'unread' | 'stream' | 'direct' = 'unread';
  private received = 0;
  private check?: Verifier;
  private sink?: (view: Buffer) => void;
  private settle?: { resolve: () => void; reject: (e: Error) => void };
  private finished = false;
  private failure?: Error;
  private stallTimer?: NodeJS.Timeout;
  /** Since when the reader has been waiting for bytes (the socket resumed for it); undefined while it is not. */
  private waitingSince?: number;

  constructor(private readonly source: DirectSource, readonly length: number, first: Buffer) {
    super({ highWaterMark: 1 << 20 });
    source.pause();
    source.onBytes = (view) => this.accept(view);
    source.onEnd = (err) => this.ended(err);
    if (first.length) this.pending = Buffer.from(first);
    if (length === 0) this.pendingEnd = true;
  }

  /** Bytes that arrived with the response head, delivered before the first read. */
  private pending?: Buffer;
  private pendingEnd = false;

  /** Check size and digest while the bytes flow; the body fails at its end on a mismatch. */
  verify(opts: VerifyOptions): this {
    this.check = new Verifier(opts);
    return this;
  }

  /** True when this body checks exactly `digest` and `size` (so a consumer need not hash again). */
  verifies(digest: string, size: number): boolean {
    return this.check?.verifies(digest, size) ?? false;
  }

  /**
   * Hand every remaining byte to `sink`, in place and synchronously; resolves once all arrived (and
   * matched, with verify()). A throw from `sink` fails the body with that error.
   */
  drain(sink: (view: Buffer) => void): Promise<void> {
    if (this.finished) return Promise.reject(this.failure ?? new Error('DirectBody: already read'));
    if (this.mode !== 'unread') return Promise.reject(new Error('DirectBody: already being read'));
    this.mode = 'direct';
    this.sink = sink;
    // the promise carries the error; 'error' still reaches listeners that want to know the source failed
    this.on('error', () => { /* reported through the promise */ });
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.start();
    });
  }

  /** The first read (either mode): what came with the head, then the socket. */
  private start(): void {
    if (this.pending) {
      const p = this.pending;
      this.pending = undefined;
      if (!this.accept(p, true)) return;
    }
    if (this.pendingEnd) return this.ended();
    this.waitFor();
  }

  /** The reader wants bytes: resume the socket, and start the stall clock unless it runs already. */
  private waitFor(): void {
    this.waitingSince ??= Date.now();
    this.source.resume();
  }

  /**
   * Fail the body once the registry has sent nothing for `ms` while its reader waited (replaces any
   * earlier limit: the default 300 s of direct-get.ts, `--timeout` of the stall middleware). Time in
   * which nobody reads (before the first read, a stream consumer holding buffered bytes or pausing
   * the socket) is not the registry's stall.
   */
  stallAfter(ms: number, onStall: () => Error): void {
    clearInterval(this.stallTimer);
    this.stallTimer = setInterval(() => {
      if (this.finished || this.waitingSince === undefined) return;
      if (this.readableLength > 0) this.waitingSince = Date.now();
      else if (Date.now() - Math.max(this.source.lastReadAt, this.waitingSince) >= ms) this.fail(onStall());
    }, Math.max(50, Math.min(1000, ms / 4)));
    this.stallTimer.unref();
  }

  /** One read: check it, then hand it on. False pauses the socket (stream mode backpressure). */
  private accept(view: Buffer, owned = false): boolean {
    if (this.finished) return false;
    if (this.mode === 'unread') {
      // a read that was already under way when the socket paused: kept for the first reader
      this.pending = this.pending ? Buffer.concat([this.pending, view]) : Buffer.from(view);
      this.source.pause();
      return false;
    }
    let chunk = view;
    if (this.received + chunk.length > this.length) chunk = chunk.subarray(0, this.length - this.received); // (Connection: close: nothing follows)
    this.received += chunk.length;
    try {
      this.check?.update(chunk);
      if (this.mode === 'direct') this.sink!(chunk);
    } catch (e) {
      this.fail(e as Error);
      return false;
    }
    let more = true;
    if (this.mode !== 'direct') more = this.push(owned ? chunk : Buffer.from(chunk));
    if (this.received === this.length) {
      this.ended();
      return false;
    }
    if (!more) this.waitingSince = undefined; // backpressure: the socket pauses until the next _read
    return more;
  }

  /** The connection ended (or failed), or the last byte arrived. */
  private ended(err?: Error): void {
    if (this.finished) return;
    if (!err && this.received < this.length) {
      err = Object.assign(new Error(`the connection closed after ${this.received} of ${this.length} bytes`), { code: 'UND_ERR_SOCKET' });
    }
    if (!err) err = this.check?.finish();
    if (err) return this.fail(err);
    this.finished = true;
    this.cleanup();
    if (this.mode === 'direct') {
      this.settle?.resolve();
      this.push(null);
      this.resume(); // nobody reads a drained body: let it emit 'end' and close
    } else this.push(null);
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = err;
    this.cleanup();
    this.settle?.reject(err);
    // a body nobody reads yet (aborted before its consumer came): the error waits for a reader
    // (drain() rejects with it) rather than crashing the process as an unhandled 'error'
    if (this.listenerCount('error') === 0) this.on('error', () => { /* kept in this.failure */ });
    this.destroy(err);
  }

  private cleanup(): void {
    clearInterval(this.stallTimer);
    this.source.close();
  }

  override _read(): void {
    if (this.mode === 'direct') return;
    if (this.mode === 'unread') {
      this.mode = 'stream';
      return this.start();
    }
    this.waitFor();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.finished) {
      this.finished = true;
      this.failure = err ?? Object.assign(new Error('the body was closed before it was read to its end'), { code: 'ABORT_ERR' });
      this.cleanup();
      this.settle?.reject(this.failure);
    }
    cb(err);
  }
}
