import type { Socket } from 'node:net';

/**
 * How much one read of a plain-HTTP socket may take. Node reads sockets 64 KiB at a time, and
 * every read is a trip through the HTTP parser and the body stream: a 1 GiB pull was ~16,000 of
 * them, which cost more CPU than hashing the bytes. Reading into 512 KiB buffers (the socket's
 * documented `onread` option) makes that ~2,000. Measured on loopback, 4 parallel GETs of
 * 256 MiB blobs from docker-registry: discarding the bodies 1.14 -> 0.71-0.84 s wall; `dist
 * pull` of those 1 GiB 1.97-2.25 -> 1.78-1.84 s (1 MiB reads: no faster, peak RSS +50 MB).
 */
export const SOCKET_READ_BYTES = 512 * 1024;

/** Reads smaller than this are copied out, so a small read never pins a whole read buffer. */
const SMALL_READ_BYTES = 64 * 1024;

/** A read buffer whose bytes were copied out, handed to the next read. */
let spare: Buffer | undefined;

/**
 * `onread` for net.connect: reads go into SOCKET_READ_BYTES buffers and are pushed into the
 * socket as ordinary data, so HTTP clients (undici, node:http) see fewer, larger chunks. A large
 * read is handed on as a view of its buffer, which is never reused (a parser or consumer may still
 * hold the view); a small read is copied out and its buffer serves the next read, so a slow
 * consumer of a trickling body holds about the bytes it was sent, not 512 KiB per read. (Node
 * calls `buffer()` right after `callback()` of the same socket, so `spare` never crosses sockets
 * while in use.) For plain TCP only: TLS records are 16 KiB whatever buffer is offered.
 */
export function largeReads(): { buffer: () => Buffer; callback: (this: Socket, n: number, buf: Buffer) => boolean } {
  return {
    buffer: (): Buffer => {
      const b = spare ?? Buffer.allocUnsafe(SOCKET_READ_BYTES);
      spare = undefined;
      return b;
    },
    callback(this: Socket, n: number, buf: Buffer): boolean {
      if (n >= SMALL_READ_BYTES) return this.push(buf.subarray(0, n));
      const ok = this.push(Buffer.from(buf.subarray(0, n)));
      spare = buf;
      return ok;
    },
  };
}
