import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, publicJwks, type SigningKey } from '../../src/server/token/keys.js';
import { spawnDist, type Proc } from './team-util.js';
import { tempDir } from '../helpers/temp.js';

let work: string;
const procs: Proc[] = [];
beforeAll(async () => { work = tempDir('dist-team-bad-'); });
afterAll(async () => {
  for (const p of procs) await p.stop();
});

const get = (url: string, authorization?: string) => fetch(url, { headers: authorization === undefined ? {} : { authorization } });
const logLines = (p: Proc) => p.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

function token(key: SigningKey, o: { iss?: string; aud?: string; exp?: number; nbf?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }] })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(o.iss ?? 'bad-iss').setAudience(o.aud ?? 'bad-svc').setSubject('alice')
    .setNotBefore(o.nbf ?? now - 10).setExpirationTime(o.exp ?? now + 300).setIssuedAt(now)
    .sign(key.privateKey);
}

describe('bad input is refused with the right status and a log line; the server keeps running', () => {
  it('tokens: expired, not yet valid, wrongly signed, wrong audience, wrong issuer, malformed; malformed Authorization headers', async () => {
    const key = generateSigningKey();
    const rogue = generateSigningKey();
    writeFileSync(join(work, 'jwks.json'), JSON.stringify(await publicJwks(key)));
    writeFileSync(join(work, 'token.yml'), `version: 0.1\nauth:\n  token: { realm: "http://127.0.0.1:1/token", service: bad-svc, issuer: bad-iss, jwks: ${join(work, 'jwks.json')} }\n`);
    const s = await spawnDist(['serve', join(work, 'data1'), '--addr', '127.0.0.1:0', '--config', join(work, 'token.yml'), '--log-level', 'info']);
    procs.push(s);
    const url = `${s.url}/v2/team/app/manifests/latest`;
    const now = Math.floor(Date.now() / 1000);
    const badTokens: Array<[string, string]> = [
      ['expired', await token(key, { exp: now - 600, nbf: now - 1200 })],
      ['not yet valid', await token(key, { nbf: now + 600, exp: now + 1200 })],
      ['wrongly signed', (await token(key)).replace(/\.[^.]+$/, `.${(await token(rogue)).split('.')[2]}`)],
      ['unknown key', await token(rogue)],
      ['wrong audience', await token(key, { aud: 'someone-else' })],
      ['wrong issuer', await token(key, { iss: 'evil' })],
      ['malformed', 'abc.def.ghi'],
      ['not a jwt', 'hello'],
    ];
    for (const [what, t] of badTokens) {
      const r = await get(url, `Bearer ${t}`);
      expect(r.status, what).toBe(401);
      expect(r.headers.get('www-authenticate'), what).toBe('Bearer realm="http://127.0.0.1:1/token",service="bad-svc",scope="repository:team/app:pull",error="invalid_token"');
      expect(((await r.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('UNAUTHORIZED');
    }
    const badHeaders = ['Bearer', 'Bearer a b c', 'Basic Zm9vOmJhcg==', 'Digest username="x"', 'Bearer \xff\xfe', 'Bearer ' + 'x'.repeat(6000)];
    for (const h of badHeaders) {
      const r = await get(url, h);
      expect(r.status, h.slice(0, 20)).toBe(401);
    }
    const good = await get(url, `Bearer ${await token(key)}`);
    expect(good.status).toBe(404); // authorized; the repository simply does not exist
    expect(s.proc.exitCode).toBeNull();
    await new Promise((r) => setTimeout(r, 100));
    const rejected = logLines(s).filter((l) => l.msg === 'auth: token rejected');
    const malformed = logLines(s).filter((l) => l.msg === 'auth: malformed or non-Bearer Authorization header');
    process.stderr.write(`team-bad-input: token rejections logged: ${rejected.map((l) => l.reason).join(', ')}; malformed headers logged: ${malformed.length}\n`);
    // every bad token, plus the 6000-character "token" that is well-formed as a header
    expect(rejected).toHaveLength(badTokens.length + 1);
    expect(rejected.map((l) => l.reason)).toEqual(expect.arrayContaining(['ERR_JWT_EXPIRED', 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_UNTRUSTED_KEY', 'ERR_JWS_INVALID']));
    expect(malformed).toHaveLength(badHeaders.length - 1);
    expect(logLines(s).some((l) => l.status === 500)).toBe(false);
  });

  it('a corrupt htpasswd line is skipped with a log line, good users still work, bad Basic headers are 401', async () => {
    const good = execFileSync('htpasswd', ['-Bbn', 'ci', 'ci-secret']).toString().trim();
    writeFileSync(join(work, 'htpasswd'), `# team users\nthis line is corrupt\nmd5user:$apr1$abc$def\n${good}\n`);
    const s = await spawnDist(['serve', join(work, 'data2'), '--addr', '127.0.0.1:0', '--htpasswd', join(work, 'htpasswd'), '--log-level', 'info']);
    procs.push(s);
    const skipped = logLines(s).filter((l) => String(l.msg).startsWith('htpasswd: skipping corrupt line'));
    expect(skipped.map((l) => l.line)).toEqual([2, 3]);
    expect(s.output()).not.toContain('$apr1$abc$def');
    const b = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    for (const h of ['Basic', 'Basic ***', 'Basic Y2k=', 'Bearer x', b('md5user', 'whatever'), b('ci', 'wrong')]) {
      const r = await get(`${s.url}/v2/`, h);
      expect(r.status, h).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Basic realm="dist"');
    }
    expect((await get(`${s.url}/v2/`, b('ci', 'ci-secret'))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(logLines(s).filter((l) => l.msg === 'auth: invalid credentials').map((l) => l.user)).toEqual(['md5user', 'ci']);
    expect(s.output()).not.toContain('wrong');
    expect(s.proc.exitCode).toBeNull();
    process.stderr.write(`team-bad-input: htpasswd corrupt lines logged at ${skipped.map((l) => l.line).join(',')}; failed logins logged for ${logLines(s).filter((l) => l.msg === 'auth: invalid credentials').map((l) => l.user).join(',')}\n`);
  });
});
