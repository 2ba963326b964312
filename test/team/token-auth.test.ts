import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenAccessController } from '../../src/server/auth/token.js';
import { libtrustKid, parseCertBundle, trustedKeyResolver } from '../../src/server/auth/trust.js';
import { memoryLogger } from '../../src/server/observe/log.js';
import { TokenIssuer } from '../../src/server/token/issuer.js';
import { generateSigningKey, loadSigningKey, publicJwks, type SigningKey } from '../../src/server/token/keys.js';
import { authHandler, envelope, listen } from './helpers.js';
import { closeAfterEach } from '../helpers/closers.js';
import { tempDir } from '../helpers/temp.js';

const closers = closeAfterEach();

const SERVICE = 'registry.test';
const ISS = 'dist-test-issuer';

async function server(trust: Parameters<typeof trustedKeyResolver>[0], anonymousPull = false) {
  const log = memoryLogger();
  const ac = new TokenAccessController({ realm: 'http://127.0.0.1:1/token', service: SERVICE, issuers: [ISS], keys: trustedKeyResolver(trust), anonymousPull, log });
  const srv = await listen(authHandler(ac));
  closers.push(srv.close);
  const get = (p: string, token?: string, method = 'GET') => fetch(srv.url + p, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const raw = (p: string, authorization: string) => fetch(srv.url + p, { headers: { authorization } });
  return { get, raw, log };
}

function sign(key: SigningKey, claims: Record<string, unknown>, opts: { iss?: string; aud?: string; exp?: number; nbf?: number; header?: Record<string, unknown> } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: 'JWT', kid: key.kid, ...opts.header })
    .setIssuer(opts.iss ?? ISS).setAudience(opts.aud ?? SERVICE).setSubject('alice')
    .setIssuedAt(now).setNotBefore(opts.nbf ?? now).setExpirationTime(opts.exp ?? now + 300)
    .sign(key.privateKey);
}

const pullA = { access: [{ type: 'repository', name: 'a', actions: ['pull'] }] };

describe('token access controller', () => {
  it('challenges with realm, service and exactly the needed scopes', async () => {
    const key = generateSigningKey();
    const { get } = await server({ jwks: await publicJwks(key) });
    const r = await get('/v2/team/app/blobs/uploads/?mount=sha256:00&from=other/x', undefined, 'POST');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="http://127.0.0.1:1/token",service="registry.test",scope="repository:team/app:pull,push repository:other/x:pull"');
    const body = await envelope(r);
    expect(body.errors[0]!.code).toBe('UNAUTHORIZED');
    expect(body.errors[0]!.detail).toContainEqual({ Type: 'repository', Name: 'other/x', Action: 'pull' });
    expect((await get('/v2/')).headers.get('www-authenticate')).toBe('Bearer realm="http://127.0.0.1:1/token",service="registry.test"');
  });

  it('accepts a valid token covering the scope (JWKS), insufficient_scope otherwise, DENIED when the issuer refused', async () => {
    const key = generateSigningKey();
    const { get } = await server({ jwks: await publicJwks(key) });
    const t = await sign(key, pullA);
    expect(await (await get('/v2/a/manifests/x', t)).json()).toEqual({ user: 'alice' });
    const push = await get('/v2/a/manifests/x', t, 'PUT');
    expect(push.status).toBe(401);
    expect(push.headers.get('www-authenticate')).toContain('scope="repository:a:pull,push",error="insufficient_scope"');
    const refused = await sign(key, { ...pullA, requested_access: [{ type: 'repository', name: 'a', actions: ['pull', 'push'] }] });
    const d = await get('/v2/a/manifests/x', refused, 'PUT');
    expect(d.status).toBe(403);
    expect((await envelope(d)).errors[0]!.code).toBe('DENIED');
    const star = await sign(key, { access: [{ type: 'repository', name: 'a', actions: ['*'] }] });
    expect((await get('/v2/a/manifests/sha256:00', star, 'DELETE')).status).toBe(200);
  });

  it('refuses expired, not-yet-valid, wrongly signed, wrong-issuer, wrong-audience and malformed tokens with invalid_token + log line', async () => {
    const key = generateSigningKey();
    const other = generateSigningKey();
    const { get, raw, log } = await server({ jwks: await publicJwks(key) });
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, string]> = [
      ['expired', await sign(key, pullA, { exp: now - 120, nbf: now - 600 })],
      ['future', await sign(key, pullA, { nbf: now + 600, exp: now + 900 })],
      ['wrong key', await sign(other, pullA, { header: { kid: key.kid } })],
      ['unknown kid', await sign(other, pullA)],
      ['wrong issuer', await sign(key, pullA, { iss: 'evil' })],
      ['wrong audience', await sign(key, pullA, { aud: 'other.service' })],
      ['garbage', 'not.a.jwt'],
      ['alg none', `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISS, aud: SERVICE, exp: now + 100, ...pullA })).toString('base64url')}.`],
    ];
    for (const [what, tok] of cases) {
      const r = await get('/v2/a/manifests/x', tok);
      expect(r.status, what).toBe(401);
      expect(r.headers.get('www-authenticate'), what).toContain('error="invalid_token"');
    }
    expect(log.lines.filter((l) => l.msg === 'auth: token rejected')).toHaveLength(cases.length);
    for (const h of ['Bearer', 'Bearer a b', 'Basic Zm9vOmJhcg==', 'bearer\t', 'Bearer \xff\xfe', 'Bearer ' + 'a'.repeat(9000)]) {
      const r = await raw('/v2/a/manifests/x', h);
      expect(r.status, h.slice(0, 20)).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    // small leeway: expired 30 s ago is still fine
    expect((await get('/v2/a/manifests/x', await sign(key, pullA, { exp: now - 30, nbf: now - 300 }))).status).toBe(200);
  });

  it('trusts x5c chains and kids from a root certificate bundle', async () => {
    const dir = tempDir();
    const sh = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca']);
    sh(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tok.key', '-out', 'tok.csr', '-subj', '/CN=token-signer']);
    sh(['x509', '-req', '-in', 'tok.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tok.crt', '-days', '2']);
    const leaf = loadSigningKey(readFileSync(join(dir, 'tok.key'), 'utf8'), readFileSync(join(dir, 'tok.crt'), 'utf8'));
    const roots = parseCertBundle(readFileSync(join(dir, 'ca.crt'), 'utf8'));
    const { get } = await server({ roots });
    const issuer = new TokenIssuer({ issuer: ISS, service: SERVICE, key: leaf });
    const x5c = (await issuer.issue('bob', [{ type: 'repository', name: 'a', actions: ['pull'] }], [])).token;
    expect(await (await get('/v2/a/manifests/x', x5c)).json()).toEqual({ user: 'bob' });
    // a self-signed leaf not from the bundle is refused
    const rogue = generateSigningKey();
    expect((await get('/v2/a/manifests/x', await sign(rogue, pullA, { header: { x5c: [leaf.chain![0]!.raw.toString('base64')] } }))).status).toBe(401);
    // kid form: the CA key itself signing, matched through its libtrust kid
    const caKey = loadSigningKey(readFileSync(join(dir, 'ca.key'), 'utf8'));
    expect(caKey.kid).toBe(libtrustKid(roots[0]!.publicKey));
    expect((await get('/v2/a/manifests/x', await sign(caKey, pullA))).status).toBe(200);
  });

  it('libtrust kid has twelve base32 groups', () => {
    expect(generateSigningKey().kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });

  it('anonymous pull when configured', async () => {
    const key = generateSigningKey();
    const { get } = await server({ jwks: await publicJwks(key) }, true);
    expect((await get('/v2/a/tags/list')).status).toBe(200);
    expect((await get('/v2/a/blobs/uploads/', undefined, 'POST')).status).toBe(401);
  });
});
