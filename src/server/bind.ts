import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** A server listening on a real address. */
export interface Bound {
  /** `http(s)://host:port` with the real port (also when asked for port 0). */
  url: string;
  host: string;
  port: number;
  /** Stop accepting, let in-flight requests finish (up to `graceMs`), then drop what is left. */
  close(graceMs?: number): Promise<void>;
}

/** Listen on `addr` (a listen error such as EADDRINUSE rejects) and describe the bound address. */
export async function bind(server: Server | HttpsServer, addr: { host: string; port: number }, scheme: 'http' | 'https'): Promise<Bound> {
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
    url: `${scheme}://${host}:${a.port}`,
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
