import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { startDistribution, type RunningDistribution } from '../helpers/distribution.js';
import type { RunningIssuer } from '../helpers/token-issuer.js';
import { startTokenDistribution, type TokenDistribution } from '../helpers/token-distribution.js';
import { dist, note, skopeo } from './client-core-util.js';
import { tempDir } from '../helpers/temp.js';

describe('docker-registry 2.8 with htpasswd basic auth', () => {
  let reg: RunningDistribution;
  let home: string;
  beforeAll(async () => {
    const htpasswd = execFileSync('htpasswd', ['-Bbn', 'ci', 'pa55word']).toString();
    reg = await startDistribution({ files: { htpasswd }, extraYaml: 'auth:\n  htpasswd: { realm: test, path: HTPASSWD }' });
    home = tempDir('dist-cc-basic-');
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
  });

  it('login --password-stdin, then tag/digest with stored creds; logout; skopeo sees the tag', async () => {
    const env = { DOCKER_CONFIG: join(home, 'docker'), REGISTRY_AUTH_FILE: '', HOME: home };
    const img = await randomImage({ layers: 1, size: 10_000, gzip: true });
    await storeImage(new RemoteRepository(reg.host, 'b/app', { creds: 'ci:pa55word', journal: false }), img.blobs, 'v1');
    const anon = await dist(['digest', `${reg.host}/b/app:v1`], { env });
    expect(anon.code).toBe(4);
    note('dist digest without creds', anon.err.trim());
    expect((await dist(['login', reg.host, '-u', 'ci', '--password-stdin'], { env, input: 'nope\n' })).code).toBe(4);
    const login = await dist(['login', reg.host, '-u', 'ci', '--password-stdin'], { env, input: 'pa55word\n' });
    expect(login.code, login.err).toBe(0);
    note('dist login', login.err.trim());
    expect((await dist(['digest', `${reg.host}/b/app:v1`], { env })).out.trim()).toBe(img.manifest.desc.digest);
    expect((await dist(['tag', `${reg.host}/b/app:v1`, 'v2'], { env })).code).toBe(0);
    const tags = JSON.parse((await skopeo(['list-tags', '--tls-verify=false', '--creds', 'ci:pa55word', `docker://${reg.host}/b/app`])).out.toString()) as { Tags: string[] };
    expect(tags.Tags.sort()).toEqual(['v1', 'v2']);
    expect((await dist(['logout', reg.host], { env })).code).toBe(0);
    expect((await dist(['digest', `${reg.host}/b/app:v1`], { env })).code).toBe(4);
  });

  it('reads a containers auth.json named by REGISTRY_AUTH_FILE', async () => {
    const file = join(home, 'auth.json');
    await writeFile(file, JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('ci:pa55word').toString('base64') } } }));
    const r = await dist(['tags', `${reg.host}/b/app`], { env: { DOCKER_CONFIG: join(home, 'none'), REGISTRY_AUTH_FILE: file, HOME: home } });
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n').filter(Boolean).sort()).toEqual(['v1', 'v2']);
  });
});

describe('docker-registry 2.8 in token mode over TLS, with our own token issuer', () => {
  let reg: RunningDistribution;
  let issuer: RunningIssuer;
  let home: string;
  let caFile: string;
  let peer: TokenDistribution | undefined;
  beforeAll(async () => {
    home = tempDir('dist-cc-token-');
    peer = await startTokenDistribution(home, { ci: 'tok-pass' });
    ({ reg, issuer, caFile } = peer);
  }, 60_000);
  afterAll(async () => {
    await peer?.stop();
  });

  it('pushes with --creds and --ca-file, pulls anonymously, mounts with the source scope', async () => {
    const env = { DOCKER_CONFIG: join(home, 'docker'), HOME: home, REGISTRY_AUTH_FILE: '' };
    const img = await randomImage({ layers: 2, size: 8_000, gzip: true });
    const repo = new RemoteRepository(reg.host, 'tok/src', { caFile, creds: 'ci:tok-pass', journal: false });
    await storeImage(repo, img.blobs, 'v1');
    expect(issuer.requests.some((r) => r.user === 'ci' && r.scopes.includes('repository:tok/src:pull,push'))).toBe(true);

    const noCa = await dist(['digest', `${reg.host}/tok/src:v1`], { env });
    note('dist digest without --ca-file', noCa.err.trim());
    expect(noCa.code).toBe(6);
    expect(noCa.err).toContain('--ca-file');
    const anon = await dist(['--ca-file', caFile, 'digest', `${reg.host}/tok/src:v1`], { env });
    expect(anon.code, anon.err).toBe(0);
    expect(anon.out.trim()).toBe(img.manifest.desc.digest);
    expect((await dist(['--insecure', 'digest', `${reg.host}/tok/src:v1`], { env })).code).toBe(0);
    const denied = await dist(['--ca-file', caFile, 'tag', `${reg.host}/tok/src:v1`, 'v2'], { env });
    note('anonymous dist tag in token mode', denied.err.trim());
    expect(denied.code).toBe(4);
    const ok = await dist(['--ca-file', caFile, '--creds', 'ci:tok-pass', 'tag', `${reg.host}/tok/src:v1`, 'v2'], { env });
    expect(ok.code, ok.err).toBe(0);

    const dst = new RemoteRepository(reg.host, 'tok/dst', { caFile, creds: 'ci:tok-pass', journal: false });
    issuer.requests.length = 0;
    expect(await dst.mount(img.layers[0]!.desc, 'tok/src')).toBe(true);
    note('token scopes for the mount', issuer.requests.map((r) => r.scopes.join(' ')));
    expect(issuer.requests.map((r) => r.scopes.join(' '))).toContain('repository:tok/dst:pull,push repository:tok/src:pull');

    const raw = await skopeo(['inspect', '--tls-verify=false', '--creds', 'ci:tok-pass', '--raw', `docker://${reg.host}/tok/src:v2`]);
    expect(raw.out.equals(img.manifest.bytes)).toBe(true);
  });
});
