import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StorageDriver } from '../../storage/driver/driver.js';
import { matchRoute } from '../router.js';
import { checkHealth } from './health.js';
import type { Metrics } from './metrics.js';

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Answer `GET /debug/health` (200 `{}` or 503 naming the failing check). */
export async function serveHealth(driver: StorageDriver, res: ServerResponse): Promise<void> {
  const h = await checkHealth(driver);
  const body = JSON.stringify(h.body);
  res.writeHead(h.healthy ? 200 : 503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache' }).end(body);
}

/**
 * Wrap the registry handler: count requests by route/method/status, duration, bytes in and out
 * (socket byte counters, so bodies are never touched), and answer `/debug/health` on the main
 * address too (as distribution does).
 */
export function instrument(handler: NodeHandler, metrics: Metrics, driver: StorageDriver): NodeHandler {
  return (req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    if (path === '/debug/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      void serveHealth(driver, res);
      return;
    }
    const route = matchRoute(path)?.route.name ?? 'unknown';
    const method = req.method ?? 'GET';
    const sock = req.socket;
    const read0 = sock.bytesRead;
    const written0 = sock.bytesWritten;
    const end = metrics.duration.startTimer({ route, method });
    res.once('close', () => {
      end();
      metrics.requests.inc({ route, method, status: String(res.statusCode) });
      metrics.bytesIn.inc({ route }, Math.max(0, sock.bytesRead - read0));
      metrics.bytesOut.inc({ route }, Math.max(0, sock.bytesWritten - written0));
    });
    handler(req, res);
  };
}
