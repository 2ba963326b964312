import { execFileSync } from 'node:child_process';
import { X509Certificate, createPublicKey, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPKCS8, jwtVerify, SignJWT, type CryptoKey, type KeyObject } from 'jose';

/** A self-signed EC P-256 certificate and key made with openssl (for token signing or TLS). */
export interface CertPair {
  certPem: string;
  keyPem: string;
  /** DER of the certificate, base64 (an `x5c` entry). */
  derB64: string;
}

export function makeCert(cn = 'dist-test', sans = 'IP:127.0.0.1,DNS:localhost'): CertPair {
  const dir = mkdtempSync(join(tmpdir(), 'dist-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', `subjectAltName=${sans}`, '-addext', 'basicConstraints=critical,CA:TRUE',
    ], { stdio: 'ignore' });
    const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
    return { certPem, keyPem, derB64: new X509Certificate(certPem).raw.toString('base64') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Access { type: string; name: string; actions: string[] }

export interface TokenIssuerOptions {
  /** `iss` claim (distribution: `auth.token.issuer`). */
  issuer?: string;
  /** `aud` claim (distribution: `auth.token.service`). */
  service?: string;
  /** user → password. */
  users?: Record<string, string>;
  /** Which actions a user (undefined = anonymous) gets on a scope; default: users get all, anonymous only pull. */
  policy?: (user: string | undefined, type: string, name: string, actions: string[]) => string[];
  /** Token lifetime in seconds (>= 60 per spec). */
  expiresIn?: number;
  cert?: CertPair;
}

export interface TokenRequestLog { method: string; user?: string; scopes: string[]; service?: string; grant?: string }

export interface RunningIssuer {
  /** The realm URL, `http://127.0.0.1:PORT/token`. */
  realm: string;
  service: string;
  issuer: string;
  cert: CertPair;
  requests: TokenRequestLog[];
  /** Verify a bearer token the way a registry does; resolves the access claim. */
  verify(token: string): Promise<Access[]>;
  /** Register a refresh token for `user` (what `identitytoken` holds in docker config). */
  addRefreshToken(rt: string, user: string): void;
  close(): Promise<void>;
}

function parseScopeParam(s: string): Access | undefined {
  const first = s.indexOf(':');
  const last = s.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  return { type: s.slice(0, first), name: s.slice(first + 1, last), actions: s.slice(last + 1).split(',').filter(Boolean) };
}

/**
 * A docker token server (docs/spec/auth/token.md) on 127.0.0.1, port 0: GET with optional Basic
 * credentials, POST `grant_type=password|refresh_token` (OAuth2), ES256 JWTs with `x5c`, intersection grants.
 */
export async function startTokenIssuer(opts: TokenIssuerOptions = {}): Promise<RunningIssuer> {
  const cert = opts.cert ?? makeCert('dist-test-token');
  const key: CryptoKey | KeyObject = await importPKCS8(cert.keyPem, 'ES256');
  const pub = createPublicKey(cert.certPem);
  const issuer = opts.issuer ?? 'dist-test-issuer';
  const service = opts.service ?? 'dist-test-registry';
  const users = opts.users ?? {};
  const policy = opts.policy ?? ((u, _t, _n, actions) => (u ? actions : actions.filter((a) => a === 'pull')));
  const expiresIn = Math.max(60, opts.expiresIn ?? 300);
  const requests: TokenRequestLog[] = [];
  const refreshTokens = new Map<string, string>();

  async function issue(res: ServerResponse, user: string | undefined, scopes: string[], withRefresh: boolean): Promise<void> {
    const access = scopes.map(parseScopeParam).filter((a): a is Access => !!a)
      .map((a) => ({ ...a, actions: policy(user, a.type, a.name, a.actions) }))
      .filter((a) => a.actions.length > 0);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [cert.derB64] })
      .setIssuer(issuer).setSubject(user ?? '').setAudience(service)
      .setIssuedAt(now).setNotBefore(now - 5).setExpirationTime(now + expiresIn).setJti(randomUUID())
      .sign(key);
    const body: Record<string, unknown> = { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() };
    if (withRefresh && user) {
      const rt = randomUUID();
      refreshTokens.set(rt, user);
      body.refresh_token = rt;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  function basicUser(req: IncomingMessage): string | undefined | null {
    const h = req.headers.authorization;
    if (!h) return undefined;
    const m = /^Basic\s+(.+)$/i.exec(h);
    if (!m) return null;
    const dec = Buffer.from(m[1]!, 'base64').toString('utf8');
    const i = dec.indexOf(':');
    const u = dec.slice(0, i);
    return i > 0 && users[u] !== undefined && users[u] === dec.slice(i + 1) ? u : null;
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/token') return void res.writeHead(404).end();
      if (req.method === 'GET') {
        const user = basicUser(req);
        const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' '));
        requests.push({ method: 'GET', user: user ?? undefined, scopes, service: url.searchParams.get('service') ?? undefined });
        if (user === null) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="token"' }).end('{"details":"invalid credentials"}');
        return issue(res, user, scopes, url.searchParams.get('offline_token') === 'true');
      }
      if (req.method === 'POST') {
        let text = '';
        for await (const c of req) text += (c as Buffer).toString('utf8');
        const form = new URLSearchParams(text);
        const grant = form.get('grant_type') ?? '';
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        let user: string | undefined;
        if (grant === 'refresh_token') user = refreshTokens.get(form.get('refresh_token') ?? '');
        else if (grant === 'password') {
          const u = form.get('username') ?? '';
          if (users[u] !== undefined && users[u] === form.get('password')) user = u;
        }
        requests.push({ method: 'POST', user, scopes, service: form.get('service') ?? undefined, grant });
        if (!user) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        return issue(res, user, scopes, grant === 'password' && form.get('access_type') === 'offline');
      }
      res.writeHead(405).end();
    })().catch(() => { if (!res.headersSent) res.writeHead(500).end(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    cert,
    requests,
    async verify(token: string) {
      const { payload } = await jwtVerify(token, pub, { issuer, audience: service });
      return (payload as { access?: Access[] }).access ?? [];
    },
    addRefreshToken: (rt: string, user: string) => void refreshTokens.set(rt, user),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
