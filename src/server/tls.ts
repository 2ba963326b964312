import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server as HttpsServer, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureContext } from 'node:tls';
import { UsageError } from '../errors/errors.js';
import { type Bound, bind } from './bind.js';
import { applyIdleTimeout, SERVER_TIMEOUTS } from './timeouts.js';

/** `http.tls` (distribution's keys). */
export interface TlsConfig {
  certificate: string;
  key: string;
  /** CA bundles whose client certificates are required (mutual TLS). */
  clientcas?: string[];
  /** `tls1.2` (default) or `tls1.3`. */
  minimumtls?: string;
}

/** OpenSSL's reason without its `error:0480006C:PEM routines::` prefix ("no start line", "key values mismatch"). */
function opensslReason(e: unknown): string {
  const m = (e as Error).message ?? String(e);
  return m.split('::').pop()?.split('\n')[0] ?? m;
}

function read(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`config: ${key}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Build HTTPS server options from `http.tls`. Refuses a private key that group or others can
 * read or write (as ssh does), with the chmod that fixes it.
 */
export function loadTls(cfg: TlsConfig): ServerOptions {
  let mode: number;
  try {
    mode = statSync(cfg.key).mode;
  } catch (e) {
    throw new UsageError(`config: http.tls.key: cannot read ${cfg.key}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(`http.tls.key: refusing to start: private key ${cfg.key} is accessible by group/others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); run: chmod 600 ${cfg.key}`);
  }
  const min = cfg.minimumtls ?? 'tls1.2';
  if (min !== 'tls1.2' && min !== 'tls1.3') throw new UsageError(`config: http.tls.minimumtls must be tls1.2 or tls1.3 (got "${min}")`);
  const opts: ServerOptions = {
    cert: read(cfg.certificate, 'http.tls.certificate'),
    key: read(cfg.key, 'http.tls.key'),
    minVersion: min === 'tls1.3' ? 'TLSv1.3' : 'TLSv1.2',
    ALPNProtocols: ['http/1.1'],
  };
  try {
    createSecureContext({ cert: opts.cert, key: opts.key });
  } catch (e) {
    throw new UsageError(`http.tls: cannot use certificate ${cfg.certificate} with key ${cfg.key} (${opensslReason(e)}): both must be PEM files and the key must be the certificate's`);
  }
  if (cfg.clientcas && cfg.clientcas.length > 0) {
    opts.ca = cfg.clientcas.map((p, i) => read(p, `http.tls.clientcas[${i}]`));
    // node ignores a CA file that is not PEM: every client certificate would then be refused, silently
    cfg.clientcas.forEach((p, i) => {
      try {
        new X509Certificate((opts.ca as Buffer[])[i]!);
      } catch (e) {
        throw new UsageError(`http.tls.clientcas[${i}]: ${p} is not a PEM CA certificate (${opensslReason(e)})`);
      }
    });
    opts.requestCert = true;
    opts.rejectUnauthorized = true;
  }
  return opts;
}

/** Listen with HTTPS (same contract as listen.ts's plain listener). */
export async function listenTls(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  addr: { host: string; port: number },
  tls: ServerOptions,
  onClientError?: (err: NodeJS.ErrnoException) => void,
): Promise<Bound & { server: HttpsServer }> {
  const server = createServer({ ...tls, ...SERVER_TIMEOUTS }, handler);
  applyIdleTimeout(server);
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => onClientError?.(err));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    onClientError?.(err);
    socket.destroy();
  });
  return { server, ...(await bind(server, addr, 'https')) };
}
