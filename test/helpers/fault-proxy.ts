import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

export interface ProxiedRequest {
  n: number;
  method: string;
  path: string;
  /** Request body bytes that reached the upstream. */
  bytes: number;
  status?: number;
}

/** What to do with one request: forward it, answer it here, or cut the connection mid-body. */
export type Fault =
  | { kind: 'pass'; responseHeaders?: Record<string, string>; dropResponseHeaders?: string[] }
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'cut'; afterBytes: number };

export interface FaultProxy {
  host: string;
  log: ProxiedRequest[];
  /** Body bytes forwarded for requests matching method (and path substring). */
  bytesFor(method: string, pathPart?: string): number;
  close(): Promise<void>;
}

/**
 * A reverse proxy on 127.0.0.1:0 in front of a registry that counts the bytes each request
 * delivers to the registry (the registry-side view of a push) and injects faults on demand.
 */
export async function startFaultProxy(upstream: string, decide: (req: IncomingMessage, n: number) => Fault = () => ({ kind: 'pass' })): Promise<FaultProxy> {
  const log: ProxiedRequest[] = [];
  let count = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const n = ++count;
    const entry: ProxiedRequest = { n, method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!, bytes: 0 };
    log.push(entry);
    const fault = decide(req, n);
    if (fault.kind === 'respond') {
      req.resume();
      entry.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end(fault.body ?? '');
      return;
    }
    const up = httpRequest(`http://${upstream}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
      entry.status = ur.statusCode;
      const headers = { ...ur.headers, ...(fault.kind === 'pass' ? fault.responseHeaders : {}) };
      // e.g. drop OCI-Subject: the upstream then looks like a registry without the referrers API
      if (fault.kind === 'pass') for (const h of fault.dropResponseHeaders ?? []) delete headers[h.toLowerCase()];
      res.writeHead(ur.statusCode ?? 502, headers);
      ur.pipe(res);
    });
    up.on('error', () => { if (!res.headersSent) res.writeHead(502).end(); else res.destroy(); });
    if (fault.kind === 'cut') {
      req.on('data', (c: Buffer) => {
        const room = fault.afterBytes - entry.bytes;
        if (room <= 0) return;
        const part = c.subarray(0, room);
        entry.bytes += part.length;
        up.write(part);
        if (entry.bytes >= fault.afterBytes) {
          // the client's connection drops mid-chunk; the registry sees its request body end early
          req.socket.destroy();
          up.destroy();
        }
      });
      return;
    }
    req.on('data', (c: Buffer) => { entry.bytes += c.length; });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    log,
    bytesFor: (method, part) => log.filter((l) => l.method === method && (!part || l.path.includes(part))).reduce((s, l) => s + l.bytes, 0),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/**
 * A registry seen without the OCI 1.1 referrers API, as docker-registry 2.8 is: `/referrers/`
 * answers 404 and `OCI-Subject` never comes back, so clients fall back to the tag schema. `fault`
 * may answer a request first.
 */
export function startWithoutReferrersApi(upstream: string, fault: (req: IncomingMessage, n: number) => Fault | undefined = () => undefined): Promise<FaultProxy> {
  return startFaultProxy(upstream, (req, n) => {
    const f = fault(req, n);
    if (f) return f;
    if ((req.url ?? '').includes('/referrers/')) return { kind: 'respond', status: 404, body: '{"errors":[{"code":"NOT_FOUND","message":"404 page not found"}]}' };
    return { kind: 'pass', dropResponseHeaders: ['oci-subject'] };
  });
}
