import type { IncomingMessage } from 'node:http';
import { RegistryError } from '../../errors/errors.js';
import type { Scope } from './scope.js';

/** Who made an authorized request (empty for anonymous). */
export interface AuthResult {
  user?: string;
}

/**
 * An access controller decides whether a request may proceed with the scopes it needs. It
 * resolves with the actor or throws a RegistryError: UNAUTHORIZED (401, carrying the
 * `WWW-Authenticate` challenge) or DENIED (403).
 */
export interface AccessController {
  authorize(req: IncomingMessage, scopes: Scope[]): Promise<AuthResult>;
  close?(): void;
}

/** distribution's error detail: one `{Type, Name, Action}` per needed action. */
export function accessDetail(scopes: Scope[]): Array<{ Type: string; Name: string; Action: string }> {
  return scopes.flatMap((s) => s.actions.map((a) => ({ Type: s.type, Name: s.name, Action: a })));
}

export function unauthorized(challenge: string, scopes: Scope[], message = 'authentication required'): RegistryError {
  return new RegistryError('UNAUTHORIZED', message, accessDetail(scopes), { headers: { 'WWW-Authenticate': challenge } });
}

export function denied(scopes: Scope[], message = 'requested access to the resource is denied'): RegistryError {
  return new RegistryError('DENIED', message, accessDetail(scopes));
}

/** The value of one request header (first one if repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** A quoted-string for a challenge parameter (escape `\` and `"`). */
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The client address for logs. */
export function remoteAddr(req: IncomingMessage): string {
  return req.socket?.remoteAddress ?? '';
}

/** Fields every auth log line carries: client address and request id. */
export function who(req: IncomingMessage): { addr: string; request_id?: string } {
  const id = req.headers['x-request-id'];
  return typeof id === 'string' ? { addr: remoteAddr(req), request_id: id } : { addr: remoteAddr(req) };
}
