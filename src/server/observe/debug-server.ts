import { createServer, type Server } from 'node:http';
import type { StorageDriver } from '../../storage/driver/driver.js';
import { bind } from '../bind.js';
import { serveHealth } from './instrument.js';
import type { Metrics } from './metrics.js';

/** `http.debug.addr`: `/debug/health` and Prometheus metrics at `metricsPath` (none when undefined). */
export async function startDebugServer(opts: { host: string; port: number; metrics?: Metrics; driver: StorageDriver; metricsPath?: string }): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const { metricsPath, metrics } = opts;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    if (path === '/debug/health') return void serveHealth(opts.driver, res);
    if (metricsPath !== undefined && path === metricsPath && metrics) {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: try /debug/health${metricsPath ? ` or ${metricsPath}` : ''}\n`);
  });
  const bound = await bind(server, opts, 'http');
  return { server, url: bound.url, close: () => bound.close(0) };
}
