import { createServer, request as httpRequest } from 'node:http';
import { lazy, shared } from './fixture.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { type Access, startTokenIssuer, type RunningIssuer } from './token-issuer.js';

/** Scopes a registry request needs (distribution app.go, protocol-notes §2.13). */
export function requiredAccess(method: string, path: string, query: URLSearchParams): Access[] {
  if (path === '/v2/' || path === '/v2') return [];
  if (path === '/v2/_catalog') return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
  const m = /^\/v2\/(.+?)\/(?:tags\/list|manifests\/[^/]+|blobs\/uploads\/?[^/]*|blobs\/[^/]+|referrers\/[^/]+)$/.exec(path);
  if (!m) return [];
  const name = m[1]!;
  const out: Access[] = [];
  if (method === 'GET' || method === 'HEAD') out.push({ type: 'repository', name, actions: ['pull'] });
  else if (method === 'DELETE') out.push({ type: 'repository', name, actions: ['delete'] });
  else out.push({ type: 'repository', name, actions: ['pull', 'push'] });
  const from = query.get('from');
  if (method === 'POST' && from && query.get('mount')) out.push({ type: 'repository', name: from, actions: ['pull'] });
  return out;
}

export interface TokenGate {
  host: string;
  /** Requests that reached the upstream registry, with the bytes of their bodies. */
  forwarded: Array<{ method: string; path: string; bytes: number }>;
  close(): Promise<void>;
}

/**
 * An authenticating reverse proxy in front of a registry (e.g. an in-process `dist serve`): checks
 * bearer tokens from `issuer` like distribution's token access controller (401 with a Bearer
 * challenge naming the missing scope, `insufficient_scope` when a token lacks it), then forwards.
 */
export async function startTokenGate(upstream: string, issuer: RunningIssuer): Promise<TokenGate> {
  const forwarded: TokenGate['forwarded'] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const need = requiredAccess(req.method ?? 'GET', url.pathname, url.searchParams);
      const scope = need.map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`).join(' ');
      const challenge = (error?: string): string =>
        `Bearer realm="${issuer.realm}",service="${issuer.service}"${scope ? `,scope="${scope}"` : ''}${error ? `,error="${error}"` : ''}`;
      const deny = (error?: string): void => {
        req.resume();
        res.writeHead(401, { 'www-authenticate': challenge(error), 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: need.map((a) => ({ Type: a.type, Name: a.name, Action: a.actions.join(',') })) }] }));
      };
      const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
      if (!m) return deny();
      let access: Access[];
      try {
        access = await issuer.verify(m[1]!);
      } catch {
        return deny('invalid_token');
      }
      const ok = need.every((n) => n.actions.every((act) => access.some((a) => a.type === n.type && a.name === n.name && (a.actions.includes(act) || a.actions.includes('*')))));
      if (!ok) return deny('insufficient_scope');
      const entry = { method: req.method ?? 'GET', path: url.pathname, bytes: 0 };
      forwarded.push(entry);
      const headers = { ...req.headers };
      delete headers.authorization;
      const up = httpRequest(`http://${upstream}${req.url}`, { method: req.method, headers }, (ur) => {
        const h = { ...ur.headers };
        res.writeHead(ur.statusCode ?? 502, h);
        ur.pipe(res);
      });
      up.on('error', () => { if (!res.headersSent) res.writeHead(502).end(); else res.destroy(); });
      req.on('data', (c: Buffer) => { entry.bytes += c.length; });
      req.pipe(up);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { host: `127.0.0.1:${port}`, forwarded, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

export interface GuardedRegistry {
  /** The in-process `dist serve` (reachable directly, without auth). */
  reg: TestRegistry;
  issuer: RunningIssuer;
  /** The token-checking proxy in front of `reg`: what clients talk to. */
  gate: TokenGate;
  close(): Promise<void>;
}

/** An in-process `dist serve` behind a token gate with its own issuer (users: name → password). */
export async function startGuardedRegistry(users: Record<string, string>): Promise<GuardedRegistry> {
  const reg = await startRegistry();
  const issuer = await startTokenIssuer({ users });
  const gate = await startTokenGate(reg.host, issuer);
  return {
    reg,
    issuer,
    gate,
    async close() {
      await gate.close();
      await issuer.close();
      await reg.close();
    },
  };
}

/** `startGuardedRegistry` for the enclosing suite (started before its first test, closed after its last). */
export function sharedGuardedRegistry(users: Record<string, string>): Omit<GuardedRegistry, 'close'> {
  const g = shared(() => startGuardedRegistry(users));
  return { reg: lazy(() => g.reg), issuer: lazy(() => g.issuer), gate: lazy(() => g.gate) };
}
