import type { IncomingMessage } from 'node:http';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '../observe/log.js';
import { type AccessController, type AuthResult, denied, header, quote, unauthorized, who } from './controller.js';
import { actionGranted, formatScope, isReadOnly, type Scope } from './scope.js';

export interface TokenAccessOptions {
  /** The token endpoint URL (or a function of the request, e.g. for the built-in issuer behind any host name). */
  realm: string | ((req: IncomingMessage) => string);
  service: string;
  /** Accepted `iss` values. */
  issuers: string[];
  /** Resolves the (trusted) verification key of a token; see trust.ts. */
  keys: JWTVerifyGetKey;
  anonymousPull?: boolean;
  /** Seconds of clock skew allowed on `exp`/`nbf` (distribution: 60). */
  leeway?: number;
  log: Logger;
}

export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];

interface AccessEntry { type: string; name: string; actions: string[] }

function accessList(v: unknown): AccessEntry[] {
  if (!Array.isArray(v)) return [];
  return v.filter((e): e is AccessEntry =>
    !!e && typeof e === 'object' && typeof (e as AccessEntry).type === 'string' && typeof (e as AccessEntry).name === 'string' &&
    Array.isArray((e as AccessEntry).actions) && (e as AccessEntry).actions.every((a) => typeof a === 'string'));
}

function covers(list: AccessEntry[], type: string, name: string, action: string): boolean {
  return list.some((e) => e.type === type && e.name === name && actionGranted(e.actions, action));
}

/**
 * `auth.token`: bearer JWTs from a token service (docker token spec). Verifies signature with a
 * trusted key, `iss`, `aud` = service, `exp`/`nbf` with leeway, then the `access` claim against
 * the scopes the request needs. A token that lacks a scope gets 401 `insufficient_scope` so the
 * client can fetch a better one, except when the issuer recorded (in `requested_access`) that
 * it was asked for that action and refused it: then the user is not allowed, 403 DENIED.
 */
export class TokenAccessController implements AccessController {
  constructor(private readonly opts: TokenAccessOptions) {}

  private challenge(req: IncomingMessage, scopes: Scope[], error?: 'invalid_token' | 'insufficient_scope'): string {
    const realm = typeof this.opts.realm === 'string' ? this.opts.realm : this.opts.realm(req);
    let c = `Bearer realm=${quote(realm)},service=${quote(this.opts.service)}`;
    if (scopes.length > 0) c += `,scope=${quote(scopes.map(formatScope).join(' '))}`;
    if (error) c += `,error=${quote(error)}`;
    return c;
  }

  async authorize(req: IncomingMessage, scopes: Scope[]): Promise<AuthResult> {
    const value = header(req, 'authorization');
    const log = this.opts.log;
    if (value === undefined) {
      if (this.opts.anonymousPull && scopes.length > 0 && isReadOnly(scopes)) return {};
      throw unauthorized(this.challenge(req, scopes), scopes);
    }
    const m = /^\s*bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(value);
    if (!m) {
      log.warn('auth: malformed or non-Bearer Authorization header', { ...who(req) });
      throw unauthorized(this.challenge(req, scopes, 'invalid_token'), scopes, 'malformed Authorization header');
    }
    let claims: Record<string, unknown>;
    try {
      const res = await jwtVerify(m[1]!, this.opts.keys, {
        issuer: this.opts.issuers,
        audience: this.opts.service,
        clockTolerance: this.opts.leeway ?? 60,
        algorithms: SIGNING_ALGORITHMS,
        requiredClaims: ['exp'],
      });
      claims = res.payload as Record<string, unknown>;
    } catch (e) {
      const reason = (e as { code?: string }).code ?? (e as Error).name;
      log.warn('auth: token rejected', { reason, error: (e as Error).message, ...who(req) });
      throw unauthorized(this.challenge(req, scopes, 'invalid_token'), scopes, `invalid token: ${(e as Error).message}`);
    }
    const user = typeof claims.sub === 'string' ? claims.sub : '';
    const access = accessList(claims.access);
    const requested = accessList(claims.requested_access);
    const missing: Scope[] = [];
    let refused = false;
    for (const s of scopes) {
      const lacking = s.actions.filter((a) => !covers(access, s.type, s.name, a));
      if (lacking.length === 0) continue;
      missing.push({ ...s, actions: lacking });
      if (lacking.some((a) => covers(requested, s.type, s.name, a))) refused = true;
    }
    if (missing.length > 0) {
      log.warn('auth: token lacks access', { user, missing: missing.map(formatScope), refused, ...who(req) });
      if (refused) throw denied(missing);
      throw unauthorized(this.challenge(req, scopes, 'insufficient_scope'), scopes, 'insufficient scope');
    }
    return user ? { user } : {};
  }
}
