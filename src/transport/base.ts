import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { rootCertificates } from 'node:tls';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';
import { TransportError, UsageError } from '../errors/errors.js';
import type { TlsConnectOptions } from './http1.js';
import { largeReads } from './large-reads.js';
import type { Handler, HttpRequest, HttpResponse } from './types.js';

export interface TlsOptions {
  /** Skip TLS certificate verification (`--insecure`). */
  insecure?: boolean;
  /** Extra CA certificates (PEM file), trusted in addition to the system roots. */
  caFile?: string;
  /** Client certificate (PEM, chain allowed) and its private key, for registries that require mutual TLS. */
  certFile?: string;
  keyFile?: string;
}

function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${flag} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

// undici's index loads ~110 modules (fetch, WebSocket, cache, mocks…) on every client command; dist
// needs only Agent and Dispatcher#request, which are ~30. Measured: a no-op `dist push` 1011 -> 756 ms
// and 1418 -> 900 ms (medians of 9, loaded machine). The api mixin is what undici's index applies too.
const requireUndici = createRequire(import.meta.url);
const Agent = requireUndici('undici/lib/dispatcher/agent') as typeof UndiciAgent;
const buildConnector = requireUndici('undici/lib/core/connect') as typeof import('undici').buildConnector;
const DispatcherBase = requireUndici('undici/lib/dispatcher/dispatcher') as { prototype: Partial<Dispatcher> };
if (typeof DispatcherBase.prototype.request !== 'function') Object.assign(DispatcherBase.prototype, requireUndici('undici/lib/api'));

/** Plain-HTTP sockets read 512 KiB at a time (see large-reads.ts); TLS sockets keep node's own reads. */
function largeReadConnector(connect: Record<string, unknown>): import('undici').buildConnector.connector {
  const tls = buildConnector(connect);
  // typed by undici as connect options without `onread`, which net.connect accepts and undici passes on
  const plain = buildConnector({ ...connect, ...({ onread: largeReads() } as object) });
  return (opts, cb) => (opts.protocol === 'https:' ? tls(opts, cb) : plain(opts, cb));
}

/** What `tls.connect` needs for the TLS options (the PEM files read now; a missing one is a UsageError). */
export function tlsConnectOptions(tls: TlsOptions = {}): TlsConnectOptions {
  let ca: string[] | undefined;
  if (tls.caFile) ca = [...rootCertificates, readPem(tls.caFile, '--ca-file')];
  if (!tls.certFile !== !tls.keyFile) throw new UsageError('--cert-file and --key-file go together');
  const client = tls.certFile && tls.keyFile ? { cert: readPem(tls.certFile, '--cert-file'), key: readPem(tls.keyFile, '--key-file') } : {};
  return { rejectUnauthorized: !tls.insecure, ...(ca ? { ca } : {}), ...client };
}

/** An undici Agent with these TLS settings (tlsConnectOptions; default: the system's roots, verified). */
export function createDispatcher(tls: TlsConnectOptions = tlsConnectOptions()): Dispatcher {
  return new Agent({ connect: largeReadConnector({ ...tls }), keepAliveTimeout: 10_000 });
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

/** What the client was told, so a failure's hint fits it. */
export interface HintContext {
  /** `--plain-http`: HTTPS is never tried. */
  plainHttp?: boolean;
  /** A client certificate was given. */
  clientCert?: boolean;
}

/** The innermost handler: one HTTP exchange over undici, no redirects, no retries. */
export function undiciHandler(dispatcher: Dispatcher, hints: HintContext = {}): Handler {
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
      // undici's own limit (300 s) when --timeout is not given
      else if (code === 'UND_ERR_HEADERS_TIMEOUT') Object.assign(e, { hint: 'the registry accepted the request and never answered; try again, or set --timeout' });
      else if (code === 'ECONNREFUSED') Object.assign(e, { hint: `nothing listens on ${req.url.host}: check the registry's address, and that it is running` });
      else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') Object.assign(e, { hint: `${req.url.hostname} does not resolve: check the registry's name and your DNS` });
      // a closed connection says nothing; the set-up mistakes that look exactly like this:
      else if (code === 'UND_ERR_SOCKET') {
        const hint = req.url.protocol === 'https:'
          ? hints.clientCert
            ? 'if the registry requires client certificates, check that it accepts the one given with --cert-file'
            : 'if the registry requires a client certificate (mutual TLS), give --cert-file and --key-file'
          : hints.plainHttp ? undefined : 'if the registry serves HTTPS, give --ca-file (or --insecure): dist then tries HTTPS first';
        if (hint) Object.assign(e, { hint });
      }
      throw e;
    }
  };
}
