import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryHandler } from './registry.js';

export interface RunningServer {
  server: Server;
  /** `http://host:port` with the real port (also when asked for port 0). */
  url: string;
  host: string;
  port: number;
  /** Stop accepting, let in-flight requests finish (up to `graceMs`), then drop what is left. */
  close(graceMs?: number): Promise<void>;
}

/** Parse `HOST:PORT`, `:PORT` or `[::1]:PORT`. */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`invalid address "${addr}": expected HOST:PORT`);
  return { host: m[1] ?? m[2] ?? '', port };
}

/**
 * Listen with a plain `node:http` server. A TLS ClientHello (skopeo tries https first) is a parse
 * error for this connection only: it gets a 400 and is closed, the server carries on.
 */
export async function listen(handler: RegistryHandler, addr: { host: string; port: number }): Promise<RunningServer> {
  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000 }, handler);
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    handler.log.log('debug', 'client error', { error: err.code ?? err.message });
    if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host || undefined, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    server,
    url: `http://${host}:${a.port}`,
    host: `${host}:${a.port}`,
    port: a.port,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections become idle as their last request ends: close them as they do.
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(idle);
      clearTimeout(timer);
    },
  };
}
