import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { parsePolicy, grant, PolicyError } from '../../src/server/token/policy.js';
import { parseScopes, formatScope } from '../../src/server/auth/scope.js';
import { setupIssuer } from '../../src/server/token/setup.js';
import { memoryLogger } from '../../src/server/observe/log.js';
import { basic, listen } from './helpers.js';
import { closeAfterEach } from '../helpers/closers.js';
import { tempDir } from '../helpers/temp.js';

const closers = closeAfterEach();

const POLICY = `
users:
  alice: { password: "${hashSync('alicepw', 4)}", groups: [devs] }
  reader: { password: "${hashSync('readerpw', 4).replace('$2b$', '$2y$')}", access: ["repository:team/**:pull"] }
groups:
  devs: ["repository:team/*:pull,push,delete", "repository:\${user}/**:*", "registry:catalog:*"]
anonymous: ["repository:public/*:pull"]
`;

async function issuer(policy = POLICY) {
  const dir = tempDir();
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, policy);
  const log = memoryLogger();
  const s = setupIssuer({ policyPath: path, issuer: 'iss', service: 'svc', ttlMs: 120_000, log });
  const srv = await listen(s.handler);
  closers.push(srv.close);
  return { url: `${srv.url}/token`, log, path, s };
}

type TokenBody = { token?: string; access_token?: string; refresh_token?: string; expires_in: number; issued_at: string; scope?: string };
const access = (t: string) => (decodeJwt(t) as { access: Array<{ type: string; name: string; actions: string[] }> }).access;

describe('token policy', () => {
  it('grants the intersection of requested and allowed', () => {
    const p = parsePolicy(POLICY);
    const g = (u: string | undefined, s: string) => grant(p, u, parseScopes(s)).map(formatScope);
    expect(g('alice', 'repository:team/app:pull,push,delete')).toEqual(['repository:team/app:pull,push,delete']);
    expect(g('alice', 'repository:team/a/b:pull')).toEqual([]);
    expect(g('alice', 'repository:alice/x/y:pull,push')).toEqual(['repository:alice/x/y:pull,push']);
    expect(g('reader', 'repository:team/a/b:pull,push')).toEqual(['repository:team/a/b:pull']);
    expect(g(undefined, 'repository:public/x:pull,push repository:team/x:pull')).toEqual(['repository:public/x:pull']);
    expect(g('alice', 'registry:catalog:*')).toEqual(['registry:catalog:*']);
    expect(() => parsePolicy('users: {bob: {password: plain}}')).toThrow(PolicyError);
    expect(() => parsePolicy('users: {bob: {password: "$2y$05$BhTqJRBNihpQfSFaCY7wf.COKmVfmLls44EAxtT58exaPls2lj4Ee", groups: [nope]}}')).toThrow(/unknown group/);
    expect(() => parsePolicy('rules: []')).toThrow(/unknown key "rules"/);
  });
});

describe('token endpoint', () => {
  it('GET with basic auth and scope returns token + access_token with the granted access', async () => {
    const { url } = await issuer();
    const r = await fetch(`${url}?service=svc&scope=repository:team/app:pull,push&scope=repository:other:pull`, { headers: { authorization: basic('alice', 'alicepw') } });
    expect(r.status).toBe(200);
    const b = (await r.json()) as TokenBody;
    expect(b.token).toBe(b.access_token);
    expect(b.expires_in).toBe(120);
    expect(Date.parse(b.issued_at)).toBeGreaterThan(0);
    expect(access(b.token!)).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    const claims = decodeJwt(b.token!);
    expect(claims).toMatchObject({ iss: 'iss', aud: 'svc', sub: 'alice' });
  });

  it('anonymous GET gets only anonymous grants; wrong password is 401 with a log line; malformed header 401', async () => {
    const { url, log } = await issuer();
    const anon = (await (await fetch(`${url}?service=svc&scope=repository:public/x:pull`)).json()) as TokenBody;
    expect(access(anon.token!)).toEqual([{ type: 'repository', name: 'public/x', actions: ['pull'] }]);
    const bad = await fetch(`${url}?service=svc&scope=repository:team/a:pull`, { headers: { authorization: basic('alice', 'nope-secret') } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(log.lines.some((l) => l.msg === 'token: invalid credentials' && l.user === 'alice')).toBe(true);
    expect(JSON.stringify(log.lines)).not.toContain('nope-secret');
    expect((await fetch(`${url}?service=svc`, { headers: { authorization: 'Basic !!' } })).status).toBe(401);
    expect((await fetch(`${url}?service=other`)).status).toBe(400);
  });

  it('OAuth2 POST: password grant with offline access returns a refresh token that works for refresh_token grants', async () => {
    const { url } = await issuer();
    const form = (o: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o).toString() });
    const r = await form({ grant_type: 'password', username: 'reader', password: 'readerpw', service: 'svc', client_id: 'test', access_type: 'offline', scope: 'repository:team/x:pull,push' });
    expect(r.status).toBe(200);
    const b = (await r.json()) as TokenBody;
    expect(b.access_token).toBeTruthy();
    expect(b.scope).toBe('repository:team/x:pull');
    expect(b.refresh_token).toBeTruthy();
    const r2 = await form({ grant_type: 'refresh_token', refresh_token: b.refresh_token!, service: 'svc', client_id: 'test', scope: 'repository:team/y:pull' });
    expect(r2.status).toBe(200);
    const b2 = (await r2.json()) as TokenBody;
    expect(access(b2.access_token!)).toEqual([{ type: 'repository', name: 'team/y', actions: ['pull'] }]);
    expect(decodeJwt(b2.access_token!).sub).toBe('reader');
    // a refresh token is bound to its client id, and is not an access token
    expect((await form({ grant_type: 'refresh_token', refresh_token: b.refresh_token!, service: 'svc', client_id: 'other' })).status).toBe(400);
    expect((await form({ grant_type: 'password', username: 'reader', password: 'x', service: 'svc', client_id: 'test' })).status).toBe(401);
    expect((await form({ grant_type: 'magic', service: 'svc', client_id: 'test' })).status).toBe(400);
  });

  it('registry-style errors use the error table: 401 UNAUTHORIZED with a Basic challenge, 405 UNSUPPORTED with Allow', async () => {
    const { url } = await issuer();
    const bad = await fetch(`${url}?service=svc`, { headers: { authorization: basic('alice', 'wrong') } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Basic realm="svc"');
    expect(await bad.json()).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] });
    const put = await fetch(url, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect(((await put.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('UNSUPPORTED');
    const form = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=magic&client_id=c' });
    expect(await form.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'unsupported grant_type "magic"' });
  });

  it('reloads the policy file when it changes', async () => {
    const { url, path } = await issuer();
    writeFileSync(path, `${POLICY}\n# edited\n`.replace('anonymous: ["repository:public/*:pull"]', 'anonymous: ["repository:public/*:pull", "repository:open/*:pull"]'));
    await new Promise((r) => setTimeout(r, 250));
    const b = (await (await fetch(`${url}?service=svc&scope=repository:open/x:pull`)).json()) as TokenBody;
    expect(access(b.token!)).toEqual([{ type: 'repository', name: 'open/x', actions: ['pull'] }]);
  });
});
