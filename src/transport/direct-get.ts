import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { DirectBody, type DirectSource } from './direct-body.js';
import { SOCKET_READ_BYTES } from './large-reads.js';
import { connectTlsTo, connectTo, CONNECT_TIMEOUT_MS, DEFAULT_IDLE_MS, headersAreSafe, parseHead, requestHead, simpleLength, timeoutError, type TlsConnectOptions } from './http1.js';
import { readCapped, type Handler, type HttpRequest, type HttpResponse } from './types.js';

/** A response head larger than this is not a blob's: undici gets the request. */
const MAX_HEAD_BYTES = 64 * 1024;
/** A redirect's or an error's body larger than this is left to undici (they are a few hundred bytes). */
const SMALL_ANSWER_BYTES = 64 * 1024;
const HINT = 'the registry stopped answering; try again, or set --timeout';

/**
 * The blob GETs of a pull over plain HTTP, read without undici. Measured on this project's 2-core
 * machine (bench/ceiling.mjs, 1 GiB in 4 blobs from docker-registry): undici's path costs ~0.5
 * CPU-s per GiB more than reading the socket into one reused buffer and hashing and writing each
 * read in place: a fresh 512 KiB buffer per read (page faults, and garbage collections driven by
 * external memory), a copy of each read into the parser's WebAssembly memory, and a stream hop per
 * chunk. So a request marked `bulk` (BlobClient.open, for blobs of 1 MiB and more) to an `http:` URL
 * goes out on its own connection (`Connection: close`), and a response in the simple shape, one
 * Content-Length and no Transfer-Encoding, is returned with a DirectBody. Anything else (a chunked
 * body, a head that does not parse, a connection that fails before a head arrived, a TLS handshake
 * that fails) is closed and the request handed to `fallback` (undici) as if nothing had happened: a
 * GET can be sent again, and undici reports a real failure with its usual error.
 *
 * With `tls` (the client's TLS settings, as its undici Agent has them), `https:` blob GETs are read
 * the same way, from the decrypted 16 KiB records the TLS socket emits: no copy into the parser's
 * memory and no stream hop per record. Measured, `dist pull` of 1 GiB / 4 layers from `dist serve
 * --tls-cert` on loopback, 2 cores, alternating: see bench/README.md ("pulls over HTTPS").
 */
export function directGetHandler(fallback: Handler, tls?: TlsConnectOptions): Handler {
  return async (req) => {
    if (!eligible(req, !!tls)) return fallback(req);
    const res = await directGet(req, tls);
    return res ?? fallback(req);
  };
}

function eligible(req: HttpRequest, tls: boolean): boolean {
  if (!req.bulk || req.method !== 'GET' || req.body !== undefined) return false;
  if (req.url.protocol !== 'http:' && !(tls && req.url.protocol === 'https:')) return false;
  return headersAreSafe(req);
}

/** One GET on a fresh connection: the response when it is the simple case, else undefined. */
function directGet(req: HttpRequest, tls?: TlsConnectOptions): Promise<HttpResponse | undefined> {
  const { signal } = req;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    // the head is gathered in one buffer (a head sent a byte at a time costs one copy of each byte)
    const head = Buffer.allocUnsafe(MAX_HEAD_BYTES + SOCKET_READ_BYTES);
    let headLength = 0;
    let settled = false;
    const settle = (res: HttpResponse | undefined, err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(headTimer);
      if (err) reject(err);
      else resolve(res);
    };
    const conn: DirectSource & { lastReadAt: number } = {
      lastReadAt: Date.now(),
      onBytes: (view) => {
        const from = Math.max(0, headLength - 3);
        headLength += view.copy(head, headLength);
        const end = head.subarray(0, headLength).indexOf('\r\n\r\n', from);
        if (end < 0) {
          if (headLength > MAX_HEAD_BYTES) decline();
          return true;
        }
        const parsed = parseHead(head.toString('latin1', 0, end));
        const length = parsed && simpleLength(parsed);
        const blob = parsed?.status === 200 || parsed?.status === 206;
        if (!parsed || length === undefined || (!blob && length > SMALL_ANSWER_BYTES)) {
          decline();
          return false;
        }
        const body = new DirectBody(conn, length, head.subarray(end + 4, headLength));
        body.stallAfter(DEFAULT_IDLE_MS, () => timeoutError(req, DEFAULT_IDLE_MS, 'UND_ERR_BODY_TIMEOUT', 'no data', HINT));
        const answer = { status: parsed.status, headers: parsed.headers, url: req.url };
        if (blob) settle({ ...answer, body });
        // A redirect or an error is read whole here and its connection closed: a caller may set such
        // an answer aside unread (a 401 whose token request fails) without holding a socket open.
        else {
          readCapped(body, SMALL_ANSWER_BYTES).then(
            (bytes) => settle({ ...answer, body: Readable.from(bytes?.length ? [bytes] : []) }),
            () => settle(undefined), // broken off: undici asks again
          );
        }
        return false;
      },
      // before the head: undici tries the request itself (and reports its failure properly)
      onEnd: () => decline(),
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      close: () => {
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
      },
    };
    const decline = (): void => {
      conn.close();
      if (signal?.aborted) settle(undefined, signal.reason as Error);
      else settle(undefined);
    };
    const onAbort = (): void => {
      socket.destroy(signal!.reason as Error);
      if (!settled) settle(undefined, signal!.reason as Error);
    };
    const received = (view: Buffer): boolean => {
      conn.lastReadAt = Date.now();
      return conn.onBytes(view);
    };
    let socket: Socket;
    if (req.url.protocol === 'https:' && tls) {
      // TLS hands over fresh records; reading pauses when the body says so, as onread's `false` does
      socket = connectTlsTo(req.url, tls);
      socket.on('data', (chunk: Buffer) => {
        if (!received(chunk)) socket.pause();
      });
    } else {
      socket = connectTo(req.url, { onread: { buffer: Buffer.allocUnsafe(SOCKET_READ_BYTES), callback: (n: number, buf: Uint8Array): boolean => received((buf as Buffer).subarray(0, n)) } });
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    // undici's limits: 10 s to connect (with the TLS handshake), 300 s for the whole head
    const connectTimer = setTimeout(() => {
      conn.close();
      settle(undefined, timeoutError(req, CONNECT_TIMEOUT_MS, 'UND_ERR_CONNECT_TIMEOUT', 'no connection', HINT));
    }, CONNECT_TIMEOUT_MS);
    socket.once(req.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    const headTimer = setTimeout(() => {
      conn.close();
      settle(undefined, timeoutError(req, DEFAULT_IDLE_MS, 'UND_ERR_HEADERS_TIMEOUT', 'no answer', HINT));
    }, DEFAULT_IDLE_MS);
    socket.on('error', (e) => conn.onEnd(e));
    socket.on('end', () => conn.onEnd());
    socket.on('close', () => conn.onEnd());
    socket.write(requestHead(req, 'GET'));
  });
}
