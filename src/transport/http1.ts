import { connect, isIP, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { TransportError } from '../errors/errors.js';
import type { HttpRequest } from './types.js';

// The little of HTTP/1.1 that direct-get.ts and direct-upload.ts write and read by hand: a request
// head, and a response head; anything unusual is refused, not guessed at. Each exchange has its own
// connection, closed by the client once the answer is read.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_VALUE = /[\r\n\0]/;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: |$)/;

/** Header names are tokens and no value holds CR, LF or NUL (else undici sends it, or refuses it). */
export function headersAreSafe(req: HttpRequest): boolean {
  for (const [k, v] of Object.entries(req.headers ?? {})) if (!TOKEN.test(k) || UNSAFE_VALUE.test(v)) return false;
  return true;
}

/**
 * The request line and headers. `close`: ask the server to close after its answer (a GET's end is
 * its Content-Length either way). An upload does not: a server that answers before it read the
 * whole body (a refusal) then reads the rest and keeps the connection, where asking it to close
 * makes it reset the connection, which can discard its answer before the client reads it.
 */
export function requestHead(req: HttpRequest, method: string, extra: string[] = [], close = true): string {
  const lines = [`${method} ${req.url.pathname}${req.url.search} HTTP/1.1`, `host: ${req.url.host}`, ...(close ? ['connection: close'] : []), ...extra];
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    const name = k.toLowerCase();
    if (name !== 'host' && name !== 'connection' && name !== 'content-length' && name !== 'transfer-encoding') lines.push(`${k}: ${v}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export interface Head {
  status: number;
  headers: Record<string, string | string[]>;
}

/** Status line and headers; undefined when anything is unusual (undici then does the request). */
export function parseHead(text: string): Head | undefined {
  const lines = text.split('\r\n');
  const m = STATUS_LINE.exec(lines[0]!);
  if (!m) return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) return undefined; // also obs-fold continuation lines
    const name = line.slice(0, i);
    if (!TOKEN.test(name)) return undefined;
    const key = name.toLowerCase();
    const value = line.slice(i + 1).trim();
    const had = headers[key];
    headers[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return { status: Number(m[1]), headers };
}

/**
 * The body length when the response is the simple case: one Content-Length, no Transfer-Encoding
 * (a 200/206 blob, and also a 307 to storage or an error with its JSON, which are then not asked
 * twice); undefined otherwise (1xx, 204 and 304 have no body by definition: undici gets those).
 */
export function simpleLength(h: Head): number | undefined {
  if (h.status < 200 || h.status === 204 || h.status === 304) return undefined;
  if (h.headers['transfer-encoding'] !== undefined) return undefined;
  const cl = h.headers['content-length'];
  if (typeof cl !== 'string' || !/^\d{1,16}$/.test(cl)) return undefined;
  const n = Number(cl);
  return Number.isSafeInteger(n) ? n : undefined;
}


/**
 * A whole `Transfer-Encoding: chunked` body from `buf`: the bytes once the last chunk (and any
 * trailer) arrived, undefined while incomplete, an Error when it does not parse.
 */
export function decodeChunked(buf: Buffer): Buffer | undefined | Error {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return buf.length - at > 1024 ? new Error('a chunk size line is too long') : undefined;
    const m = /^([0-9a-fA-F]{1,8})(?:;.*)?$/.exec(buf.toString('latin1', at, eol));
    if (!m) return new Error('a chunk size does not parse');
    const size = parseInt(m[1]!, 16);
    at = eol + 2;
    if (size === 0) {
      // trailer lines, then an empty line
      for (;;) {
        const end = buf.indexOf('\r\n', at);
        if (end < 0) return undefined;
        if (end === at) return Buffer.concat(parts);
        at = end + 2;
      }
    }
    if (buf.length < at + size + 2) return undefined;
    if (buf[at + size] !== 13 || buf[at + size + 1] !== 10) return new Error('a chunk does not end with CRLF');
    parts.push(buf.subarray(at, at + size));
    at += size + 2;
  }
}

/** undici's own limits, kept by the hand-written paths: 10 s to connect, 300 s for an answer or a silent body. */
export const CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_MS = 300_000;

/** The TLS settings of a client (tlsConnectOptions in base.ts): trust, verification, client certificate. */
export interface TlsConnectOptions {
  rejectUnauthorized: boolean;
  ca?: string[];
  cert?: string;
  key?: string;
}

/** A plain TCP connection to the request's host (an IPv6 literal without its brackets), no Nagle delay. */
export function connectTo(url: URL, extra: Partial<NetConnectOpts> = {}): Socket {
  const socket = connect({ ...extra, host: hostOf(url), port: Number(url.port || 80) } as NetConnectOpts);
  socket.setNoDelay(true);
  return socket;
}

/**
 * A TLS connection to the request's host, verified as undici verifies (`tlsOpts`), with SNI for a
 * host name, offering only HTTP/1.1. Emits 'secureConnect' once it can carry the request.
 */
export function connectTlsTo(url: URL, tlsOpts: TlsConnectOptions): TLSSocket {
  const host = hostOf(url);
  const socket = tlsConnect({ ...tlsOpts, host, port: Number(url.port || 443), ALPNProtocols: ['http/1.1'], ...(isIP(host) ? {} : { servername: host }) });
  socket.setNoDelay(true);
  return socket;
}

const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * A timeout as a TransportError whose cause carries undici's timeout code, so the retry middleware
 * and the exit codes treat it as a connection failure.
 */
export function timeoutError(req: HttpRequest, ms: number, code: string, what: string, hint: string): TransportError {
  const cause = Object.assign(new Error(what), { code });
  return Object.assign(new TransportError(`${req.method} ${req.url.origin}${req.url.pathname}: ${what} for ${ms / 1000} s`, { cause }), { hint });
}
