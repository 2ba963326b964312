import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from '../../errors/errors.js';
import { BcryptVerifier } from '../auth/bcrypt.js';
import { parseBasic } from '../auth/basic.js';
import { quote, remoteAddr } from '../auth/controller.js';
import { formatScope, mergeScopes, parseScopes, type Scope } from '../auth/scope.js';
import type { Logger } from '../observe/log.js';
import type { TokenIssuer } from './issuer.js';
import { grant, type Policy } from './policy.js';

const MAX_FORM = 64 * 1024;

export interface TokenHandlerOptions {
  issuer: TokenIssuer;
  /** The current policy (a function so the file can be reloaded). */
  policy: () => Policy;
  realm?: string;
  log: Logger;
}

/** An OAuth2 error (RFC 6749 §5.2: `{"error","error_description"}`); registry-style errors are RegistryErrors. */
class TokenHttpError extends Error {
  constructor(readonly status: number, readonly code: 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type', message: string) {
    super(message);
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of req as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > MAX_FORM) throw new TokenHttpError(413, 'invalid_request', 'form body too large');
      chunks.push(c);
    }
  } catch (e) {
    if (e instanceof TokenHttpError) throw e;
    // the client went away mid-body: its mistake (or its network's), not the server's
    throw new TokenHttpError(400, 'invalid_request', 'the form body did not arrive completely');
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), 'Cache-Control': 'no-store', ...headers });
  res.end(data);
}

/**
 * The docker token protocol endpoint: `GET ?service=&scope=&account=&offline_token=&client_id=`
 * with optional Basic auth, and the OAuth2 `POST` form (grant_type=password|refresh_token).
 */
export function createTokenHandler(opts: TokenHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const verifier = new BcryptVerifier();
  let lastPolicy: Policy | undefined;
  const realm = opts.realm ?? 'dist token service';
  const unauthorized = (message: string): RegistryError =>
    new RegistryError('UNAUTHORIZED', message, undefined, { headers: { 'WWW-Authenticate': `Basic realm=${quote(realm)}` } });

  async function login(user: string, pass: string, req: IncomingMessage): Promise<string> {
    const policy = opts.policy();
    if (policy !== lastPolicy) { verifier.reset(); lastPolicy = policy; }
    if (!(await verifier.verify(policy.users.get(user)?.password, user, pass))) {
      opts.log.warn('token: invalid credentials', { user, addr: remoteAddr(req) });
      throw unauthorized('invalid username or password');
    }
    return user;
  }

  async function answer(user: string | undefined, requested: Scope[], req: IncomingMessage, oauth: boolean, refresh?: string): Promise<Record<string, unknown>> {
    const merged = mergeScopes(requested);
    const granted = grant(opts.policy(), user, merged);
    const t = await opts.issuer.issue(user, granted, merged);
    opts.log.info('token issued', { user: user ?? '', requested: merged.map(formatScope), granted: granted.map(formatScope), addr: remoteAddr(req) });
    const body: Record<string, unknown> = oauth
      ? { access_token: t.token, scope: granted.map(formatScope).join(' '), expires_in: t.expires_in, issued_at: t.issued_at }
      : { token: t.token, access_token: t.token, expires_in: t.expires_in, issued_at: t.issued_at };
    if (refresh) body.refresh_token = refresh;
    return body;
  }

  async function handleGet(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
    const q = url.searchParams;
    checkService(q.get('service'));
    const requested = q.getAll('scope').flatMap(parseScopes);
    const creds = parseBasic(req.headers.authorization);
    if (creds === 'malformed' || (req.headers.authorization !== undefined && creds === undefined)) {
      throw unauthorized('malformed Authorization header (Basic expected)');
    }
    const user = creds && (creds.user || creds.pass) ? await login(creds.user, creds.pass, req) : undefined;
    const offline = q.get('offline_token') === 'true' && user !== undefined;
    const refresh = offline ? await opts.issuer.refreshToken(user, q.get('client_id') ?? '') : undefined;
    return answer(user, requested, req, false, refresh);
  }

  async function handlePost(req: IncomingMessage): Promise<Record<string, unknown>> {
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/x-www-form-urlencoded') throw new TokenHttpError(400, 'invalid_request', 'expected an application/x-www-form-urlencoded form');
    const f = await readForm(req);
    checkService(f.get('service'));
    const clientId = f.get('client_id');
    if (!clientId) throw new TokenHttpError(400, 'invalid_request', 'client_id is required');
    const requested = parseScopes(f.get('scope') ?? '');
    const grantType = f.get('grant_type');
    let user: string;
    if (grantType === 'password') {
      user = await login(f.get('username') ?? '', f.get('password') ?? '', req);
    } else if (grantType === 'refresh_token') {
      const u = await opts.issuer.checkRefreshToken(f.get('refresh_token') ?? '', clientId);
      if (!u || !opts.policy().users.has(u)) {
        opts.log.warn('token: invalid refresh token', { addr: remoteAddr(req) });
        throw new TokenHttpError(400, 'invalid_grant', 'invalid refresh token');
      }
      user = u;
    } else {
      throw new TokenHttpError(400, 'unsupported_grant_type', `unsupported grant_type ${JSON.stringify(grantType ?? '')}`);
    }
    const offline = f.get('access_type') === 'offline' || grantType === 'refresh_token';
    const refresh = offline ? (grantType === 'refresh_token' ? f.get('refresh_token')! : await opts.issuer.refreshToken(user, clientId)) : undefined;
    return answer(user, requested, req, true, refresh);
  }

  function checkService(service: string | null): void {
    if (service !== null && service !== opts.issuer.service) throw new TokenHttpError(400, 'invalid_request', `unknown service ${JSON.stringify(service)}`);
  }

  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET') return send(res, 200, await handleGet(req, url));
      if (req.method === 'POST') return send(res, 200, await handlePost(req));
      throw new RegistryError('UNSUPPORTED', 'use GET or POST', undefined, { headers: { Allow: 'GET, POST' } });
    } catch (e) {
      if (e instanceof TokenHttpError) return send(res, e.status, { error: e.code, error_description: e.message });
      let err: RegistryError;
      if (e instanceof RegistryError) err = e;
      else {
        opts.log.error('token: unexpected error', { error: (e as Error).message });
        err = new RegistryError('UNKNOWN');
      }
      send(res, err.status, { errors: [err.toJSON()] }, err.headers);
    }
  };
}
