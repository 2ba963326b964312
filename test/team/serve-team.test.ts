import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { startServe } from '../../src/server/serve.js';
import { makeImage } from '../server/util.js';
import { TestClient } from './client.js';
import { closeAfterEach } from '../helpers/closers.js';
import { tempDir } from '../helpers/temp.js';
import { freePort } from '../helpers/distribution.js';

const closers = closeAfterEach();

async function serve(yaml: string, extra: Parameters<typeof startServe>[0] = {}) {
  const dir = tempDir();
  const cfg = join(dir, 'config.yml');
  writeFileSync(cfg, yaml.replaceAll('DIR/', `${dir}/`));
  const s = await startServe({ dir: join(dir, 'data'), addr: '127.0.0.1:0', config: cfg, logLevel: 'error', ...extra });
  closers.push(() => s.close(500));
  return { ...s, dir };
}

describe('dist serve for a team (in process)', () => {
  it('htpasswd + anonymous pull: writes need credentials, reads do not; metrics and health on the debug address', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'htpasswd'), `ci:${hashSync('ci-pass', 4)}\n`);
    const debugPort = await freePort();
    const s = await serve(`version: 0.1
auth: { htpasswd: { realm: team, path: ${join(dir, 'htpasswd')}, anonymouspull: true } }
http: { debug: { addr: "127.0.0.1:${debugPort}", prometheus: { enabled: true, path: /metrics } } }
`);
    const img = makeImage({ layers: 2, size: 2000 });
    expect(await new TestClient(s.url).pushImage('team/app', img, 'v1')).toBe(401);
    expect(await new TestClient(s.url, { user: 'ci', pass: 'wrong' }).pushImage('team/app', img, 'v1')).toBe(401);
    expect(await new TestClient(s.url, { user: 'ci', pass: 'ci-pass' }).pushImage('team/app', img, 'v1')).toBe(201);
    expect(await new TestClient(s.url).pullImage('team/app', 'v1')).toBe(true);
    const del = await new TestClient(s.url).fetch(`/v2/team/app/manifests/${img.digest}`, { method: 'DELETE' });
    expect(del.status).toBe(401);
    const health = await fetch(`http://127.0.0.1:${debugPort}/debug/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({});
    expect((await fetch(`${s.url}/debug/health`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${debugPort}/metrics`)).text();
    expect(metrics).toMatch(/dist_http_requests_total\{route="manifest",method="PUT",status="201"\} 1/);
    expect(metrics).toMatch(/dist_http_requests_total\{route="upload",method="POST",status="401"\} [1-9]/);
    expect(metrics).toMatch(/dist_blob_uploads_total 3/);
    expect(metrics).toMatch(/dist_http_received_bytes_total\{route="uploadChunk"\} [1-9]\d{3,}/);
    expect(metrics).toMatch(/dist_http_sent_bytes_total\{route="blob"\} [1-9]\d{3,}/);
    expect(metrics).toMatch(/dist_registry_events_total\{action="pull",kind="manifest"\} 1/);
  });

  it('built-in token issuer: bearer flow works, a pull-only user gets 403 DENIED on push, nobody gets in without a token', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'policy.yaml'), `users:
  dev: { password: "${hashSync('devpw', 4)}", groups: [devs] }
  viewer: { password: "${hashSync('viewpw', 4)}", access: ["repository:**:pull"] }
groups:
  devs: ["repository:team/**:*"]
`);
    const s = await serve(`version: 0.1
auth: { tokenissuer: { policy: ${join(dir, 'policy.yaml')}, service: team-registry, issuer: team-issuer } }
`);
    expect(s.banner).toContain(`token endpoint ${s.url}/token`);
    const img = makeImage({ layers: 1 });
    const anon = await fetch(`${s.url}/v2/team/app/blobs/uploads/`, { method: 'POST' });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toBe(`Bearer realm="${s.url}/token",service="team-registry",scope="repository:team/app:pull,push"`);
    const dev = new TestClient(s.url, { user: 'dev', pass: 'devpw' }, 'bearer');
    expect(await dev.pushImage('team/app', img, 'v1')).toBe(201);
    const viewer = new TestClient(s.url, { user: 'viewer', pass: 'viewpw' }, 'bearer');
    expect(await viewer.pullImage('team/app', 'v1')).toBe(true);
    const denied = await viewer.fetch('/v2/team/app/blobs/uploads/', { method: 'POST' });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('DENIED');
    const bad = await fetch(`${s.url}/v2/team/app/manifests/v1`, { headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('TLS: serves HTTPS with the configured certificate; refuses a group-readable key with a clear message', async () => {
    const dir = tempDir();
    const { execFileSync } = await import('node:child_process');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
    chmodSync(join(dir, 'key.pem'), 0o644);
    const yaml = `version: 0.1\nhttp: { tls: { certificate: ${join(dir, 'cert.pem')}, key: ${join(dir, 'key.pem')} } }\n`;
    await expect(serve(yaml)).rejects.toThrow(/http\.tls\.key: refusing to start: private key .*key\.pem is accessible by group\/others \(mode 0644\); run: chmod 600/);
    chmodSync(join(dir, 'key.pem'), 0o600);
    const s = await serve(yaml);
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { Agent } = await import('undici');
    const { readFileSync } = await import('node:fs');
    const dispatcher = new Agent({ connect: { ca: readFileSync(join(dir, 'cert.pem')) } });
    const { fetch: ufetch } = await import('undici');
    const r = await ufetch(`${s.url}/v2/`, { dispatcher });
    expect(r.status).toBe(200);
    await dispatcher.close();
  });

  it('mutual TLS: a client certificate signed by clientcas is required', async () => {
    const dir = tempDir();
    const { execFileSync } = await import('node:child_process');
    const ossl = (a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'ignore' });
    ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=client-ca']);
    ossl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=ci-runner']);
    ossl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2']);
    chmodSync(join(dir, 'key.pem'), 0o600);
    const s = await serve(`version: 0.1\nhttp: { tls: { certificate: ${join(dir, 'cert.pem')}, key: ${join(dir, 'key.pem')}, clientcas: [${join(dir, 'ca.crt')}] } }\n`);
    const { readFileSync } = await import('node:fs');
    const { Agent, fetch: ufetch } = await import('undici');
    const ca = readFileSync(join(dir, 'cert.pem'));
    const anon = new Agent({ connect: { ca } });
    await expect(ufetch(`${s.url}/v2/`, { dispatcher: anon })).rejects.toThrow();
    const withCert = new Agent({ connect: { ca, cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) } });
    expect((await ufetch(`${s.url}/v2/`, { dispatcher: withCert })).status).toBe(200);
    await anon.close();
    await withCert.close();
  });

  it('request ids: a client X-Request-Id is kept and echoed, otherwise one is made; events carry it; queue depth is a metric', async () => {
    const debugPort = await freePort();
    const deadPort = await freePort();
    const s = await serve(`version: 0.1
http: { debug: { addr: "127.0.0.1:${debugPort}" } }
notifications: { endpoints: [ { name: down, url: "http://127.0.0.1:${deadPort}/x", timeout: 200ms, threshold: 1, backoff: 10s } ] }
`);
    const mine = await fetch(`${s.url}/v2/`, { headers: { 'x-request-id': 'ci-job-42.step-1' } });
    expect(mine.headers.get('x-request-id')).toBe('ci-job-42.step-1');
    const made = await fetch(`${s.url}/v2/`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const c = new TestClient(s.url);
    expect(await c.pushImage('team/ids', makeImage({ layers: 1 }), 'v1')).toBe(201);
    const m = await fetch(`${s.url}/v2/team/ids/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json', 'x-request-id': 'pull-req-7' } });
    expect(m.status).toBe(200);
    const { readdirSync, readFileSync } = await import('node:fs');
    const qdir = join(s.dir, 'data', '_dist', 'notify', 'down');
    const evs = readdirSync(qdir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(qdir, f), 'utf8')) as { action: string; request: { id: string } });
    expect(evs.find((e) => e.action === 'pull')?.request.id).toBe('pull-req-7');
    const metrics = await (await fetch(`http://127.0.0.1:${debugPort}/metrics`)).text();
    expect(metrics).toContain(`dist_notifications_pending{endpoint="down"} ${evs.length}`);
    expect(metrics).toMatch(/dist_notifications_total\{endpoint="down",outcome="failure"\} [1-9]/);
  });

  it('configuration errors name the key and stop the start', async () => {
    await expect(serve('version: 0.1\nstorage: { gc: { enabled: true, interval: often } }\n')).rejects.toThrow(/storage\.gc\.interval must be a duration/);
    await expect(serve('version: 0.1\nauth: { htpasswd: { realm: r, path: /nonexistent/htpasswd } }\n')).rejects.toThrow(/auth\.htpasswd\.path: file \/nonexistent\/htpasswd does not exist/);
    await expect(serve('version: 0.1\nauth: { htpasswd: { realm: r } }\n')).rejects.toThrow(/auth\.htpasswd\.path is required/);
    await expect(serve('version: 0.1\nnotifications: { endpoints: [ { name: a, url: "http://127.0.0.1:1", timeout: 1s, threshold: 1, backof: 1s } ] }\n')).rejects.toThrow(/unknown key notifications\.endpoints\[0\]\.backof/);
    await expect(serve('version: 0.1\nhttp: { tls: { certificate: /nope.pem, key: /nope.key } }\n')).rejects.toThrow(/http\.tls\.certificate: file \/nope\.pem does not exist/);
    await expect(serve('version: 0.1\nauth: { token: { realm: "http://x/token", service: s, issuer: i } }\n')).rejects.toThrow(/auth\.token: set rootcertbundle or jwks/);
  });
});
