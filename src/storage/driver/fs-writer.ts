// The filesystem driver's upload writer and how it flushes data to disk (used by filesystem.ts).
import type { WriteStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { FileWriter } from './driver.js';

export const isENOENT = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ENOENT' || (e as NodeJS.ErrnoException)?.code === 'ENOTDIR';
/** A flush that failed after it reached the file's data (not one that could not open it, e.g. EMFILE): its bytes may be lost. */
export const lostData = (e: unknown): boolean => !isENOENT(e) && (e as NodeJS.ErrnoException)?.syscall !== 'open';

/** Flush a file's data to disk (fdatasync): what the driver does before a file becomes visible. */
export async function syncFileData(file: string): Promise<void> {
  const fh = await fsp.open(file, 'r');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/**
 * While an upload is written, its data is flushed to disk behind the writes each time this much more
 * was written (one flush at a time, off the event loop), so the flush before the blob becomes visible
 * has at most this much left: the disk works while the bytes arrive instead of after the last one.
 */
export const FLUSH_BEHIND_BYTES = 32 * 1024 * 1024;
/**
 * At most this many flushes behind the writes at once, across all uploads: each blocks one of libuv's
 * four thread-pool threads for as long as the disk takes, and the uploads' writes need the others.
 */
const MAX_FLUSHES_BEHIND = 1;

/** The filesystem driver's writer (uploads): appends through a WriteStream, flushing behind the writes. */
export class FsWriter implements FileWriter {
  private error: Error | undefined;
  private closed = false;
  private readonly start: number;
  /** The flush running behind the writes, if any. */
  private flushing: Promise<void> | undefined;
  /** Bytes a flush of this writer found on disk (0 until one succeeded: an earlier writer's are not known to be). */
  private durable = 0;
  /** A flush failed: the bytes after `durable` may be lost on disk while still readable from the cache. */
  private flushFailed = false;
  private cancelled = false;
  constructor(
    private readonly ws: WriteStream,
    private readonly full: string,
    public size: number,
    private readonly sync: (file: string) => Promise<void>,
    private readonly flushes: { running: number },
  ) {
    this.start = size;
    ws.on('error', (e) => {
      this.error = e;
    });
  }
  get flushed(): number {
    return this.start + this.ws.bytesWritten;
  }
  private flushBehind(): void {
    const upTo = this.flushed;
    // steps count from this writer's start or its last successful flush, whichever is later
    if (this.flushing || upTo - Math.max(this.start, this.durable) < FLUSH_BEHIND_BYTES || this.flushes.running >= MAX_FLUSHES_BEHIND) return;
    this.flushes.running++;
    this.flushing = Promise.resolve(this.full).then(this.sync).then(
      () => {
        this.flushes.running--;
        this.durable = upTo;
        this.flushing = undefined;
      },
      (e: unknown) => {
        this.flushes.running--;
        const err = e instanceof Error ? e : new Error(`flushing ${this.full} failed: ${String(e)}`);
        // A file removed meanwhile (the upload was cancelled or purged) has nothing left to flush: the
        // writes go on as they did before flushing existed, and the upload's status says it is gone.
        if (!this.cancelled && (err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.error ??= err;
          this.flushFailed ||= lostData(err);
        }
        this.flushing = undefined;
      },
    );
  }
  async write(chunk: Uint8Array): Promise<void> {
    if (this.error) throw this.error;
    if (this.closed) throw new Error('write after close');
    this.size += chunk.length;
    this.flushBehind();
    if (!this.ws.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onErr = (e: Error): void => {
          this.ws.off('drain', onDrain);
          reject(e);
        };
        const onDrain = (): void => {
          this.ws.off('error', onErr);
          resolve();
        };
        this.ws.once('drain', onDrain);
        this.ws.once('error', onErr);
      });
    }
  }
  async commit(): Promise<void> {
    await this.close();
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    try {
      await new Promise<void>((resolve, reject) => {
        this.ws.end((err?: Error | null) => (err ? reject(err) : resolve()));
      });
    } finally {
      // As in move: a failed flush is not retried (a later one would not write the lost pages), so
      // the file is cut back to what a flush covered and the upload's status counts only that.
      if (this.flushFailed) {
        await fsp.truncate(this.full, this.durable).catch(() => undefined);
        this.size = this.durable;
      }
    }
    if (this.error) throw this.error;
  }
  async cancel(): Promise<void> {
    this.closed = true;
    this.cancelled = true;
    this.ws.destroy();
    await fsp.rm(this.full, { force: true });
  }
}
