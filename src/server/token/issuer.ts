import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Scope } from '../auth/scope.js';
import type { SigningKey } from './keys.js';

export interface IssuedToken {
  token: string;
  expires_in: number;
  issued_at: string;
}

export interface IssuerOptions {
  issuer: string;
  service: string;
  key: SigningKey;
  /** Access token lifetime in seconds (>= 60). Default 300. */
  ttl?: number;
  /** Refresh token lifetime in seconds. Default 30 days. */
  refreshTtl?: number;
}

const REFRESH_AUD_PREFIX = 'dist-refresh:';

/** Signs access tokens (docker token spec claims) and stateless refresh tokens. */
export class TokenIssuer {
  constructor(readonly opts: IssuerOptions) {}

  get service(): string {
    return this.opts.service;
  }

  private header(): { alg: string; typ: string; kid: string; x5c?: string[] } {
    const k = this.opts.key;
    const h: { alg: string; typ: string; kid: string; x5c?: string[] } = { alg: k.alg, typ: 'JWT', kid: k.kid };
    if (k.chain) h.x5c = k.chain.map((c) => c.raw.toString('base64'));
    return h;
  }

  /** An access token granting `granted`; `requested` is recorded so the registry can tell refusal from absence. */
  async issue(user: string | undefined, granted: Scope[], requested: Scope[]): Promise<IssuedToken> {
    const ttl = Math.max(60, this.opts.ttl ?? 300);
    const now = Math.floor(Date.now() / 1000);
    const toAccess = (s: Scope[]): Array<{ type: string; name: string; actions: string[] }> => s.map(({ type, name, actions }) => ({ type, name, actions }));
    const token = await new SignJWT({ access: toAccess(granted), requested_access: toAccess(requested) })
      .setProtectedHeader(this.header())
      .setIssuer(this.opts.issuer)
      .setSubject(user ?? '')
      .setAudience(this.opts.service)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(this.opts.key.privateKey);
    return { token, expires_in: ttl, issued_at: new Date(now * 1000).toISOString() };
  }

  async refreshToken(user: string, clientId: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: clientId })
      .setProtectedHeader(this.header())
      .setIssuer(this.opts.issuer)
      .setSubject(user)
      .setAudience(REFRESH_AUD_PREFIX + this.opts.service)
      .setIssuedAt(now)
      .setExpirationTime(now + (this.opts.refreshTtl ?? 30 * 86400))
      .setJti(randomUUID())
      .sign(this.opts.key.privateKey);
  }

  /** The user a refresh token was issued to, or undefined when it is not valid (for this client). */
  async checkRefreshToken(token: string, clientId: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.opts.key.publicKey, { issuer: this.opts.issuer, audience: REFRESH_AUD_PREFIX + this.opts.service });
      if (payload.client_id !== clientId || typeof payload.sub !== 'string' || !payload.sub) return undefined;
      return payload.sub;
    } catch {
      return undefined;
    }
  }
}
