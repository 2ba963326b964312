import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { canReadInto, type ReadIntoSource } from '../storage/driver/file-reader.js';
import { limitBytes } from './limit.js';

/** Bytes per socket write on the pooled path, and buffers per response (one being read while one is written). */
const CHUNK = 512 * 1024;
const BUFFERS = 2;

/**
 * Send `length` bytes of `src` as the response body and end it. A source that supports readInto
 * (a file) is read into two reused buffers: a buffer goes back to the pool only when the socket
 * write that holds it has completed. Measured: the fresh 1 MiB buffer per read of a plain stream
 * made the garbage collector a fifth of the blob GET profile. Other sources are piped.
 */
export async function sendBody(src: Readable, length: number, res: ServerResponse): Promise<void> {
  if (!canReadInto(src)) return pipeline(src, limitBytes(length), res);
  try {
    await sendPooled(src, length, res);
  } finally {
    src.destroy();
  }
}

async function sendPooled(src: ReadIntoSource, length: number, res: ServerResponse): Promise<void> {
  const free: Buffer[] = [];
  let made = 0;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const gone = (): void => {
    failed ??= new Error('the client closed the connection before the body was sent');
    signal();
  };
  const wait = async (): Promise<void> => {
    await new Promise<void>((resolve) => (wake = resolve));
    if (failed) throw failed;
  };
  res.on('drain', signal);
  res.on('close', gone);
  res.on('error', gone);
  try {
    let left = length;
    while (left > 0) {
      if (failed || res.destroyed) throw failed ?? new Error('response destroyed');
      let buf = free.pop();
      if (!buf && made < BUFFERS) {
        buf = Buffer.allocUnsafeSlow(Math.min(CHUNK, left));
        made++;
      }
      if (!buf) {
        await wait();
        continue;
      }
      const n = await src.readInto(buf.length > left ? buf.subarray(0, left) : buf);
      if (n === 0) throw new Error(`the stored data ended ${left} bytes short`);
      left -= n;
      while (res.writableNeedDrain && !failed) await wait();
      if (failed) throw failed;
      const owned = buf;
      res.write(n === buf.length ? buf : buf.subarray(0, n), (e) => {
        if (!e) free.push(owned);
        signal();
      });
    }
    await new Promise<void>((resolve, reject) => {
      if (failed) return reject(failed);
      res.end(() => resolve());
      res.once('close', () => (res.writableFinished ? resolve() : reject(failed ?? new Error('response closed early'))));
    });
  } finally {
    res.off('drain', signal);
    res.off('close', gone);
    res.off('error', gone);
  }
}
