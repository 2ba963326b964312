import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from '../../src/errors/errors.js';
import type { AccessController } from '../../src/server/auth/controller.js';
import type { Scope } from '../../src/server/auth/scope.js';
import { accessFor, matchRoute } from '../../src/server/router.js';
import { startHttpServer } from '../helpers/http-server.js';

/** A plain HTTP test server on port 0 (see test/helpers/http-server.ts). */
export const listen = startHttpServer;

/** The scopes a request needs, from the registry's route table (what createRegistry hands its auth hook). */
export function scopesFor(method: string, url: string): Scope[] {
  const q = url.indexOf('?');
  return accessFor(matchRoute(q < 0 ? url : url.slice(0, q)), method, new URLSearchParams(q < 0 ? '' : url.slice(q + 1)));
}

/** A tiny real HTTP server that runs an access controller and answers 200 `{"user":…}` or the error envelope. */
export function authHandler(ac: AccessController) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const r = await ac.authorize(req, scopesFor(req.method ?? 'GET', req.url ?? '/'));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ user: r.user ?? null }));
    } catch (e) {
      if (!(e instanceof RegistryError)) {
        res.writeHead(500).end(String(e));
        return;
      }
      res.writeHead(e.status, { 'Content-Type': 'application/json', ...e.headers }).end(JSON.stringify({ errors: [e.toJSON()] }));
    }
  };
}

export function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

export interface Envelope { errors: Array<{ code: string; message?: string; detail?: unknown }> }

export async function envelope(r: Response): Promise<Envelope> {
  return (await r.json()) as Envelope;
}
