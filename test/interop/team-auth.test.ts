import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImage, type RandomImage } from '../helpers/images.js';
import { dist, sh, spawnDist, type Proc } from './team-util.js';
import { tempDir } from '../helpers/temp.js';

let work: string;
let img: RandomImage;
const procs: Proc[] = [];
beforeAll(async () => {
  work = tempDir('dist-team-auth-');
  img = await randomImage({ layers: 2, size: 50_000, dir: join(work, 'src'), tag: 'v1' });
  execFileSync('htpasswd', ['-Bbc', join(work, 'htpasswd'), 'ci', 'ci-secret'], { stdio: 'ignore' });
  writeFileSync(join(work, 'policy.yaml'), [
    'users:',
    `  dev: { password: "${htpasswdHash('dev', 'dev-secret')}", groups: [devs] }`,
    `  viewer: { password: "${htpasswdHash('viewer', 'view-secret')}", access: ["repository:**:pull"] }`,
    'groups:',
    '  devs: ["repository:team/**:*"]',
    '',
  ].join('\n'));
});
afterAll(async () => {
  for (const p of procs) await p.stop();
});

function htpasswdHash(user: string, pass: string): string {
  return execFileSync('htpasswd', ['-Bbn', user, pass]).toString().trim().split(':')[1]!;
}

async function serve(args: string[]): Promise<Proc> {
  const p = await spawnDist(['serve', join(work, `data-${procs.length}`), '--addr', '127.0.0.1:0', '--log-level', 'info', ...args]);
  procs.push(p);
  return p;
}

const host = (p: Proc) => new URL(p.url).host;
const src = () => `oci:${join(work, 'src')}:v1`;
const log = (label: string, r: { code: number; stdout: string; stderr: string }) =>
  process.stderr.write(`team-auth: ${label}: exit ${r.code}: ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 240)}\n`);

describe('htpasswd', () => {
  it('skopeo and the dist client push and pull with credentials and are refused without', async () => {
    const s = await serve(['--htpasswd', join(work, 'htpasswd')]);
    const noCreds = await sh('skopeo', ['copy', '--dest-tls-verify=false', src(), `docker://${host(s)}/team/app:v1`]);
    log('skopeo push without creds', noCreds);
    expect(noCreds.code).not.toBe(0);
    expect(noCreds.stderr).toMatch(/unauthorized|authentication required/i);
    const wrong = await sh('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', 'ci:nope', src(), `docker://${host(s)}/team/app:v1`]);
    log('skopeo push wrong password', wrong);
    expect(wrong.code).not.toBe(0);
    const ok = await sh('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', 'ci:ci-secret', src(), `docker://${host(s)}/team/app:v1`]);
    log('skopeo push with creds', ok);
    expect(ok.code, ok.stderr).toBe(0);
    const pullNo = await sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${host(s)}/team/app:v1`]);
    expect(pullNo.code).not.toBe(0);
    const pull = await sh('skopeo', ['inspect', '--tls-verify=false', '--raw', '--creds', 'ci:ci-secret', `docker://${host(s)}/team/app:v1`]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(JSON.parse(pull.stdout).config.digest).toBe(img.config.digest);

    const dNo = await dist(['push', join(work, 'src'), `${host(s)}/team/dist:v1`]);
    log('dist push without creds', dNo);
    expect(dNo.code).toBe(4);
    const dOk = await dist(['--creds', 'ci:ci-secret', 'push', join(work, 'src'), `${host(s)}/team/dist:v1`]);
    log('dist push with creds', dOk);
    expect(dOk.code, dOk.stderr).toBe(0);
    const out = join(work, 'pulled-htpasswd');
    const dPull = await dist(['--creds', 'ci:ci-secret', 'pull', `${host(s)}/team/dist:v1`, '-o', out]);
    log('dist pull with creds', dPull);
    expect(dPull.code, dPull.stderr).toBe(0);
    const dPullNo = await dist(['pull', `${host(s)}/team/dist:v1`, '-o', join(work, 'pulled-no')]);
    expect(dPullNo.code).toBe(4);
    // failed attempts were logged without the password
    expect(s.output()).toMatch(/"msg":"auth: invalid credentials".*"user":"ci"/);
    expect(s.output()).not.toContain('"nope"');
  });
});

describe('anonymous pull', () => {
  it('with --anonymous-pull, skopeo and dist pull without credentials but cannot push', async () => {
    const s = await serve(['--htpasswd', join(work, 'htpasswd'), '--anonymous-pull']);
    const push = await sh('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', 'ci:ci-secret', src(), `docker://${host(s)}/public/app:v1`]);
    expect(push.code, push.stderr).toBe(0);
    const anonPush = await sh('skopeo', ['copy', '--dest-tls-verify=false', src(), `docker://${host(s)}/public/app:v2`]);
    log('skopeo anonymous push', anonPush);
    expect(anonPush.code).not.toBe(0);
    const anonPull = await sh('skopeo', ['copy', '--src-tls-verify=false', `docker://${host(s)}/public/app:v1`, `oci:${join(work, 'anon-out')}:v1`]);
    log('skopeo anonymous pull', anonPull);
    expect(anonPull.code, anonPull.stderr).toBe(0);
    const dPull = await dist(['pull', `${host(s)}/public/app:v1`, '-o', join(work, 'anon-dist-out')]);
    log('dist anonymous pull', dPull);
    expect(dPull.code, dPull.stderr).toBe(0);
    const dPush = await dist(['push', join(work, 'src'), `${host(s)}/public/app:v3`]);
    log('dist anonymous push', dPush);
    expect(dPush.code).toBe(4);
  });
});

describe('token auth', () => {
  it('skopeo and the dist client complete the bearer flow against the built-in issuer; a pull-only user cannot push (DENIED)', async () => {
    const s = await serve(['--token-issuer', join(work, 'policy.yaml')]);
    const ok = await sh('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', 'dev:dev-secret', src(), `docker://${host(s)}/team/app:v1`]);
    log('skopeo push (dev, bearer)', ok);
    expect(ok.code, ok.stderr).toBe(0);
    const viewerPull = await sh('skopeo', ['copy', '--src-tls-verify=false', '--src-creds', 'viewer:view-secret', `docker://${host(s)}/team/app:v1`, `oci:${join(work, 'viewer-out')}:v1`]);
    log('skopeo pull (viewer, bearer)', viewerPull);
    expect(viewerPull.code, viewerPull.stderr).toBe(0);
    const viewerPush = await sh('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', 'viewer:view-secret', src(), `docker://${host(s)}/team/other:v1`]);
    log('skopeo push (viewer, pull-only)', viewerPush);
    expect(viewerPush.code).not.toBe(0);
    expect(viewerPush.stderr).toMatch(/denied/i);
    const anon = await sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${host(s)}/team/app:v1`]);
    expect(anon.code).not.toBe(0);

    const dOk = await dist(['--creds', 'dev:dev-secret', 'push', join(work, 'src'), `${host(s)}/team/dist:v1`]);
    log('dist push (dev, bearer)', dOk);
    expect(dOk.code, dOk.stderr).toBe(0);
    const dPull = await dist(['--creds', 'viewer:view-secret', 'pull', `${host(s)}/team/dist:v1`, '-o', join(work, 'dist-viewer-out')]);
    log('dist pull (viewer, bearer)', dPull);
    expect(dPull.code, dPull.stderr).toBe(0);
    const dDenied = await dist(['--creds', 'viewer:view-secret', 'push', join(work, 'src'), `${host(s)}/team/viewer-push:v1`]);
    log('dist push (viewer, pull-only)', dDenied);
    expect(dDenied.code).toBe(4);
    expect(dDenied.stderr).toMatch(/denied/i);
  });

  it('a standalone dist token-server with a registry trusting its JWKS (auth.token)', async () => {
    const ts = await spawnDist(['token-server', join(work, 'policy.yaml'), '--addr', '127.0.0.1:0', '--issuer', 'team-iss', '--service', 'team-reg', '--jwks-out', join(work, 'jwks.json')]);
    procs.push(ts);
    writeFileSync(join(work, 'token.yml'), `version: 0.1\nauth:\n  token: { realm: "${ts.url}/token", service: team-reg, issuer: team-iss, jwks: ${join(work, 'jwks.json')} }\n`);
    const s = await serve(['--config', join(work, 'token.yml')]);
    const ok = await sh('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', 'dev:dev-secret', src(), `docker://${host(s)}/team/app:v1`]);
    log('skopeo push via dist token-server', ok);
    expect(ok.code, ok.stderr).toBe(0);
    const dOk = await dist(['--creds', 'dev:dev-secret', 'pull', `${host(s)}/team/app:v1`, '-o', join(work, 'ts-out')]);
    log('dist pull via dist token-server', dOk);
    expect(dOk.code, dOk.stderr).toBe(0);
  });
});

describe('TLS with a self-signed CA', () => {
  it('skopeo (--dest-cert-dir) and dist (--ca-file) push and pull over HTTPS', async () => {
    const d = join(work, 'pki');
    mkdirSync(d, { recursive: true });
    const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
    ossl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=dist test CA']);
    ossl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    writeFileSync(join(d, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ossl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
    chmodSync(join(d, 'server.key'), 0o644);
    const refused = await dist(['serve', join(work, 'tls-refused'), '--addr', '127.0.0.1:0', '--tls-cert', join(d, 'server.crt'), '--tls-key', join(d, 'server.key')]);
    log('dist serve with a 0644 key', refused);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to start: private key .* is accessible by group\/others \(mode 0644\); run: chmod 600/);
    chmodSync(join(d, 'server.key'), 0o600);
    const s = await serve(['--tls-cert', join(d, 'server.crt'), '--tls-key', join(d, 'server.key')]);
    expect(s.url).toMatch(/^https:/);
    const certDir = join(work, 'certs.d');
    mkdirSync(certDir, { recursive: true });
    copyFileSync(join(d, 'ca.crt'), join(certDir, 'ca.crt'));
    const untrusted = await sh('skopeo', ['copy', src(), `docker://${host(s)}/team/tls:v1`]);
    log('skopeo push without the CA', untrusted);
    expect(untrusted.code).not.toBe(0);
    const ok = await sh('skopeo', ['copy', '--dest-cert-dir', certDir, src(), `docker://${host(s)}/team/tls:v1`]);
    log('skopeo push --dest-cert-dir', ok);
    expect(ok.code, ok.stderr).toBe(0);
    const pull = await sh('skopeo', ['inspect', '--cert-dir', certDir, '--raw', `docker://${host(s)}/team/tls:v1`]);
    expect(pull.code, pull.stderr).toBe(0);
    const dPush = await dist(['--ca-file', join(d, 'ca.crt'), 'push', join(work, 'src'), `${host(s)}/team/tls-dist:v1`]);
    log('dist push --ca-file', dPush);
    expect(dPush.code, dPush.stderr).toBe(0);
    const dPull = await dist(['--ca-file', join(d, 'ca.crt'), 'pull', `${host(s)}/team/tls:v1`, '-o', join(work, 'tls-out')]);
    log('dist pull --ca-file', dPull);
    expect(dPull.code, dPull.stderr).toBe(0);
    const dNoCa = await dist(['pull', `${host(s)}/team/tls:v1`, '-o', join(work, 'tls-out2')]);
    log('dist pull without --ca-file', dNoCa);
    expect(dNoCa.code).not.toBe(0);
  });
});
