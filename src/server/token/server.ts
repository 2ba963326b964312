import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../errors/errors.js';
import type { Logger } from '../observe/log.js';
import { listenTls, loadTls } from '../tls.js';
import { publicJwks } from './keys.js';
import { setupIssuer, type IssuerSetupOptions } from './setup.js';

export interface TokenServerOptions extends Omit<IssuerSetupOptions, 'log'> {
  host: string;
  port: number;
  /** Write the public JWKS here (what a registry's `auth.token.jwks` points at). */
  jwksOut?: string;
  tls?: { certificate: string; key: string };
  log: Logger;
}

/** `dist token-server`: the built-in issuer on its own address, `/token` plus `/jwks.json`. */
export async function startTokenServer(o: TokenServerOptions): Promise<{ url: string; realm: string; close(): Promise<void> }> {
  const s = setupIssuer(o);
  const jwks = await publicJwks(s.key);
  if (o.jwksOut) {
    try {
      writeFileSync(o.jwksOut, `${JSON.stringify(jwks, null, 2)}\n`);
    } catch (e) {
      throw new UsageError(`--jwks-out ${o.jwksOut}: ${(e as Error).message}`);
    }
  }
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/token' || path === '/') return void s.handler(req, res);
    if (path === '/jwks.json' || path === '/.well-known/jwks.json') {
      const body = JSON.stringify(jwks);
      return void res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: the token endpoint is /token\n');
  };
  if (o.tls) {
    const r = await listenTls(handler, { host: o.host, port: o.port }, loadTls(o.tls));
    return { url: r.url, realm: `${r.url}/token`, close: () => r.close(1000) };
  }
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host || undefined, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  return { url, realm: `${url}/token`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
