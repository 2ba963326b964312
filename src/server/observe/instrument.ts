import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StorageDriver } from '../../storage/driver/driver.js';
import { givenRequestId } from '../http.js';
import { matchRoute } from '../router.js';
import { checkHealth } from './health.js';
import type { Metrics } from './metrics.js';

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The request id: a well-formed `X-Request-Id` from the client (or a proxy) is kept, else a new
 * UUID; it is written back into the request headers so the access log, auth log lines and
 * notification events of the request all carry the same id.
 */
export function requestId(req: IncomingMessage): string {
  const id = givenRequestId(req.headers['x-request-id']) ?? randomUUID();
  req.headers['x-request-id'] = id;
  return id;
}

/** Answer `GET /debug/health` (200 `{}` or 503 naming the failing check). */
export async function serveHealth(driver: StorageDriver, res: ServerResponse): Promise<void> {
  const h = await checkHealth(driver);
  const body = JSON.stringify(h.body);
  res.writeHead(h.healthy ? 200 : 503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache' }).end(body);
}

/**
 * Wrap the registry handler: count requests by route/method/status, duration, bytes in (body
 * chunks as the HTTP parser pushes them into the request stream, counted without consuming
 * them) and out (socket bytes written), and answer `/debug/health` on the main address too (as
 * distribution does). Without `metrics` (not exposed) only the request id and health remain.
 */
export function instrument(handler: NodeHandler, metrics: Metrics | undefined, driver: StorageDriver): NodeHandler {
  return (req, res) => {
    const id = requestId(req);
    res.setHeader('X-Request-Id', id);
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    if (path === '/debug/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      void serveHealth(driver, res);
      return;
    }
    if (!metrics) return handler(req, res);
    const route = matchRoute(path)?.route.name ?? 'unknown';
    const method = req.method ?? 'GET';
    const sock = req.socket;
    const written0 = sock.bytesWritten;
    let received = 0;
    const push = req.push.bind(req);
    req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (chunk instanceof Uint8Array) received += chunk.length;
      return push(chunk, encoding);
    };
    const end = metrics.duration.startTimer({ route, method });
    res.once('close', () => {
      end();
      metrics.requests.inc({ route, method, status: String(res.statusCode) });
      metrics.bytesIn.inc({ route }, received);
      metrics.bytesOut.inc({ route }, Math.max(0, sock.bytesWritten - written0));
    });
    handler(req, res);
  };
}
