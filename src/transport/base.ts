import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { rootCertificates } from 'node:tls';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';
import { TransportError, UsageError } from '../errors/errors.js';
import type { Handler, HttpRequest, HttpResponse } from './types.js';

export interface TlsOptions {
  /** Skip TLS certificate verification (`--insecure`). */
  insecure?: boolean;
  /** Extra CA certificates (PEM file), trusted in addition to the system roots. */
  caFile?: string;
}

// undici's index loads ~110 modules (fetch, WebSocket, cache, mocks…) on every client command; dist
// needs only Agent and Dispatcher#request, which are ~30. Measured: a no-op `dist push` 1011 -> 756 ms
// and 1418 -> 900 ms (medians of 9, loaded machine). The api mixin is what undici's index applies too.
const requireUndici = createRequire(import.meta.url);
const Agent = requireUndici('undici/lib/dispatcher/agent') as typeof UndiciAgent;
const buildConnector = requireUndici('undici/lib/core/connect') as typeof import('undici').buildConnector;
const DispatcherBase = requireUndici('undici/lib/dispatcher/dispatcher') as { prototype: Partial<Dispatcher> };
if (typeof DispatcherBase.prototype.request !== 'function') Object.assign(DispatcherBase.prototype, requireUndici('undici/lib/api'));

/**
 * How much one read of a plain-HTTP socket may take. Node reads sockets 64 KiB at a time, and
 * every read is a trip through undici's parser and the body stream: a 1 GiB pull was ~16,000 of
 * them, which cost more CPU than hashing the bytes. Reading into 512 KiB buffers (the socket's
 * documented `onread` option) makes that ~2,000. Measured on loopback, 4 parallel GETs of
 * 256 MiB blobs from docker-registry: discarding the bodies 1.14 -> 0.71-0.84 s wall; `dist
 * pull` of those 1 GiB 1.97-2.25 -> 1.78-1.84 s (1 MiB reads: no faster, peak RSS +50 MB).
 */
export const SOCKET_READ_BYTES = 512 * 1024;

/** Reads smaller than this are copied out, so a small read never pins a whole read buffer. */
const SMALL_READ_BYTES = 64 * 1024;

/** A read buffer whose bytes were copied out, handed to the next read (see largeReadConnector). */
let spare: Buffer | undefined;

/**
 * Plain-HTTP sockets read into SOCKET_READ_BYTES buffers. A large read is handed on as a view
 * of its buffer, and that buffer is never reused (undici or a consumer may still hold the view);
 * a small read is copied out and its buffer serves the next read, so a slow consumer of a
 * trickling body holds about the bytes it was sent, not 512 KiB per read. (Node calls the
 * buffer function right after the callback of the same socket, so `spare` cannot cross sockets
 * while still in use.) TLS sockets keep node's own reads: TLS records are 16 KiB whatever the
 * buffer.
 */
function largeReadConnector(connect: Record<string, unknown>): import('undici').buildConnector.connector {
  const tls = buildConnector(connect);
  const plain = buildConnector({
    ...connect,
    // typed by undici as connect options without `onread`, which net.connect accepts and undici passes on
    ...({ onread: {
      buffer: (): Buffer => {
        const b = spare ?? Buffer.allocUnsafe(SOCKET_READ_BYTES);
        spare = undefined;
        return b;
      },
      callback(this: import('node:net').Socket, n: number, buf: Buffer): boolean {
        if (n >= SMALL_READ_BYTES) return this.push(buf.subarray(0, n));
        const ok = this.push(Buffer.from(buf.subarray(0, n)));
        spare = buf;
        return ok;
      },
    } } as object),
  });
  return (opts, cb) => (opts.protocol === 'https:' ? tls(opts, cb) : plain(opts, cb));
}

/** An undici Agent with the TLS options applied. */
export function createDispatcher(tls: TlsOptions = {}): Dispatcher {
  let ca: string[] | undefined;
  if (tls.caFile) {
    try {
      ca = [...rootCertificates, readFileSync(tls.caFile, 'utf8')];
    } catch (e) {
      throw new UsageError(`cannot read --ca-file ${tls.caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return new Agent({
    connect: largeReadConnector({ rejectUnauthorized: !tls.insecure, ...(ca ? { ca } : {}) }),
    keepAliveTimeout: 10_000,
  });
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);

/** Is this a connection-level failure worth retrying? */
export function isNetworkError(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return NETWORK_CODES.has(e?.code ?? '') || NETWORK_CODES.has(e?.cause?.code ?? '');
}

/** The innermost handler: one HTTP exchange over undici, no redirects, no retries. */
export function undiciHandler(dispatcher: Dispatcher): Handler {
  return async (req: HttpRequest): Promise<HttpResponse> => {
    try {
      const res = await dispatcher.request({
        origin: req.url.origin,
        path: `${req.url.pathname}${req.url.search}`,
        method: req.method as Dispatcher.HttpMethod,
        headers: req.headers,
        body: req.body ?? null,
        signal: req.signal,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body, url: req.url };
    } catch (err) {
      if ((err as Error)?.name === 'AbortError' || req.signal?.aborted) throw err;
      const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
      const tls = code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL|TLS/.test(code);
      const e = new TransportError(`${req.method} ${req.url.origin}${req.url.pathname}: ${(err as Error).message}${code ? ` (${code})` : ''}`, { cause: err });
      if (tls) Object.assign(e, { hint: 'use --ca-file to trust the registry certificate, --insecure to skip verification, or --plain-http' });
      throw e;
    }
  };
}
