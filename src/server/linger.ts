import type { Socket } from 'node:net';

/** How long a connection closed after an early answer keeps reading (and dropping) what the client still sends. */
export const LINGER_MS = 2000;

/**
 * Lingering close (as Apache and Go's net/http do it) for a response sent before the request body
 * was read to its end (a 404 for an unknown upload, a 413, a 507 mid-upload): the socket is closed
 * for writing, what the client still sends is read and dropped, and only when the client closes
 * (or after `ms`) is the socket destroyed. Node destroys it as soon as the answer is flushed; with
 * body bytes still arriving that is a TCP reset, and a reset makes the client's kernel drop the
 * answer it had not read yet: a client that writes its body before reading (most do) saw EPIPE
 * or ECONNRESET instead of the error.
 */
export function lingerOnClose(socket: Socket, ms = LINGER_MS): void {
  socket.destroySoon = function lingering(this: Socket): void {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), ms);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.once('end', () => this.destroy());
    this.resume();
  };
}
