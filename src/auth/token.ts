import { AuthError, TransportError } from '../errors/errors.js';
import { discard, readCapped, type Handler } from '../transport/types.js';
import { basicAuthorization, type Credential } from './credentials.js';

export interface TokenChallenge {
  realm: string;
  service?: string;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  lifetimeMs: number;
}

/** Token server answers (docker token spec): `token` or `access_token`, `expires_in` (default/min 60 s). */
export interface TokenResponse {
  token?: string;
  access_token?: string;
  expires_in?: number;
  issued_at?: string;
  refresh_token?: string;
}

export const MIN_TOKEN_LIFETIME_S = 60;

/** The OAuth2 `error` code of a refusal (`invalid_grant`…), when the body has a sane one; never other text. */
async function oauthError(body: Parameters<typeof readCapped>[0]): Promise<string | undefined> {
  try {
    const buf = await readCapped(body, 64 * 1024);
    const v = JSON.parse(buf?.toString('utf8') ?? '') as { error?: unknown };
    return typeof v?.error === 'string' && /^[a-z_]{1,40}$/.test(v.error) ? v.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Fetches bearer tokens and caches them per (realm, service, scopes, account). A token is refreshed
 * once less than a tenth of its lifetime (at least 5 s) remains. Concurrent requests share one fetch.
 */
export class TokenClient {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  /** Number of token requests sent (observability and tests). */
  fetches = 0;

  constructor(private readonly send: Handler, private readonly now: () => number = Date.now) {}

  async get(ch: TokenChallenge, scopes: string[], cred: Credential | undefined, opts: { force?: boolean; registry?: string } = {}): Promise<string> {
    const account = cred ? (cred.kind === 'basic' ? cred.username : cred.username ?? '<identity>') : '';
    const key = JSON.stringify([ch.realm, ch.service ?? '', scopes, account]);
    const hit = this.cache.get(key);
    if (hit && !opts.force && this.now() < hit.expiresAt - Math.max(5_000, hit.lifetimeMs / 10)) return hit.token;
    if (opts.force) this.cache.delete(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetch(ch, scopes, cred, opts.registry).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const t = await p;
    this.cache.set(key, t);
    return t.token;
  }

  /** Forget every cached token (e.g. after credentials changed). */
  clear(): void {
    this.cache.clear();
  }

  private async fetch(ch: TokenChallenge, scopes: string[], cred: Credential | undefined, registry?: string): Promise<CachedToken> {
    let url: URL;
    try {
      url = new URL(ch.realm);
    } catch {
      throw new AuthError(`registry sent an invalid token realm "${ch.realm.slice(0, 100)}"`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AuthError(`unsupported token realm scheme ${url.protocol}`);
    this.fetches++;
    const headers: Record<string, string> = { accept: 'application/json' };
    let res;
    if (cred?.kind === 'identity') {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: 'dist' });
      if (ch.service) form.set('service', ch.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      headers['content-type'] = 'application/x-www-form-urlencoded';
      res = await this.send({ method: 'POST', url, headers, body: form.toString() });
    } else {
      if (ch.service) url.searchParams.set('service', ch.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (cred) {
        url.searchParams.set('account', cred.username);
        headers.authorization = basicAuthorization(cred.username, cred.password);
      }
      res = await this.send({ method: 'GET', url, headers });
    }
    const who = registry ?? url.host;
    // OAuth2 refuses a bad grant with 400 invalid_grant (RFC 6749 §5.2), docker's token servers with 401/403
    if (res.status === 401 || res.status === 403 || (res.status === 400 && cred?.kind === 'identity')) {
      const code = await oauthError(res.body);
      const why = `HTTP ${res.status}${code ? ` ${code}` : ''}`;
      const from = (cred as { source?: unknown } | undefined)?.source;
      const src = typeof from === 'string' && from && from !== 'login' ? ` from ${from}` : ''; // 'login': dist login checking them
      if (!cred) throw new AuthError(`${who}: authentication required (run "dist login ${who}" or pass --creds)`);
      if (cred.kind === 'identity') throw new AuthError(`${who}: the token server refused the identity token${src} (${why}): it may have expired or been revoked; run "dist login ${who}" again`);
      throw new AuthError(`${who}: the token server refused the credentials of "${cred.username}"${src} (${why}): check them, or run "dist login ${who}" again`);
    }
    if (res.status !== 200) {
      await discard(res);
      // an unavailable token server (after retries) is the registry's outage, not the user's credentials
      if (res.status >= 500 || res.status === 429) throw new TransportError(`${who}: token server answered HTTP ${res.status}`);
      throw new AuthError(`${who}: token server answered HTTP ${res.status}`);
    }
    const body = await readCapped(res.body, 1024 * 1024);
    let v: TokenResponse;
    try {
      v = JSON.parse(body?.toString('utf8') ?? '') as TokenResponse;
    } catch {
      throw new AuthError(`${who}: token server sent an unreadable answer`);
    }
    if (v === null || typeof v !== 'object') throw new AuthError(`${who}: token server sent no token`);
    const token = v.token || v.access_token;
    if (!token) throw new AuthError(`${who}: token server sent no token`);
    // it goes into an Authorization header: visible ASCII only (a JWT, an opaque token68)
    if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) throw new AuthError(`${who}: token server sent a token that cannot be used in a header`);
    const lifetimeS = Math.max(MIN_TOKEN_LIFETIME_S, typeof v.expires_in === 'number' && v.expires_in > 0 ? v.expires_in : MIN_TOKEN_LIFETIME_S);
    return { token, lifetimeMs: lifetimeS * 1000, expiresAt: this.now() + lifetimeS * 1000 };
  }
}
