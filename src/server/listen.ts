import { createServer, type Server } from 'node:http';
import { UsageError } from '../errors/errors.js';
import { type Bound, bind } from './bind.js';
import type { RegistryHandler } from './registry.js';
import { applyIdleTimeout, SERVER_TIMEOUTS } from './timeouts.js';

export interface RunningServer extends Bound {
  server: Server;
}

/** Parse `HOST:PORT`, `:PORT` or `[::1]:PORT` (a UsageError otherwise). */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`invalid address "${addr}": expected HOST:PORT`);
  return { host: m[1] ?? m[2] ?? '', port };
}

/**
 * Listen with a plain `node:http` server. A TLS ClientHello (skopeo tries https first) is a parse
 * error for this connection only: it gets a 400 and is closed, the server carries on.
 */
export async function listen(handler: RegistryHandler, addr: { host: string; port: number }, opts: { idleTimeoutMs?: number } = {}): Promise<RunningServer> {
  const server = createServer({ ...SERVER_TIMEOUTS }, handler);
  applyIdleTimeout(server, opts.idleTimeoutMs);
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    handler.log.log('debug', 'client error', { error: err.code ?? err.message });
    if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return { server, ...(await bind(server, addr, 'http')) };
}
