import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { blobName } from '../../src/content/layout/paths.js';
import { startDistribution, type RunningDistribution } from '../helpers/distribution.js';
import { randomImage, randomIndex, storeImage, type FixtureImage } from '../helpers/layout-fixture.js';
import type { RunningIssuer } from '../helpers/token-issuer.js';
import { startTokenDistribution, type TokenDistribution } from '../helpers/token-distribution.js';
import { dist, note, skopeo } from './client-core-util.js';
import { digestOf as sha } from '../../src/digest/digest.js';

const lines = (s: string): Array<Record<string, unknown>> => s.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const result = (s: string): Record<string, unknown> => lines(s).find((o) => o.type === 'result') ?? {};
const count = (s: string, type: string): number => lines(s).filter((o) => o.type === type).length;

describe('dist pull/push/copy against docker-registry 2.8, skopeo as witness', () => {
  let reg: RunningDistribution;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let img: FixtureImage;
  let layout: string;
  beforeAll(async () => {
    reg = await startDistribution();
    work = await mkdtemp(join(tmpdir(), 'dist-interop-copy-'));
    env = { DIST_STATE_DIR: join(work, 'state'), DOCKER_CONFIG: join(work, 'docker'), REGISTRY_AUTH_FILE: join(work, 'auth.json') };
    img = await randomImage({ layers: 2, size: 300_000, gzip: true });
    layout = join(work, 'layout');
    await storeImage(await OciLayout.open(layout), img.blobs, 'v1');
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('an image dist pushed is read by skopeo inspect --raw with the same bytes', async () => {
    const r = await dist(['push', `${layout}:v1`, `${reg.host}/interop/app:v1`, '--json', '--chunk-size', '128K'], { env });
    expect(r.code, r.err).toBe(0);
    expect(result(r.out).digest).toBe(img.manifest.desc.digest);
    const raw = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/interop/app:v1`]);
    expect(raw.code, raw.err).toBe(0);
    expect(raw.out.equals(img.manifest.bytes)).toBe(true);
    note('skopeo inspect --raw of the dist-pushed image: digest', sha(raw.out));
  });

  it('an image skopeo pushed is dist pulled with identical digests', async () => {
    const other = await randomImage({ layers: 2, size: 50_000, gzip: true });
    const src = join(work, 'skopeo-src');
    await storeImage(await OciLayout.open(src), other.blobs, 'sk');
    const cp = await skopeo(['copy', '--dest-tls-verify=false', '--preserve-digests', `oci:${src}:sk`, `docker://${reg.host}/interop/byskopeo:sk`]);
    expect(cp.code, cp.err).toBe(0);
    const raw = (await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/interop/byskopeo:sk`])).out;
    const out = join(work, 'pulled');
    const r = await dist(['pull', `${reg.host}/interop/byskopeo:sk`, '-o', out, '--json'], { env });
    expect(r.code, r.err).toBe(0);
    expect(result(r.out).digest).toBe(sha(raw));
    const pulled = await readFile(join(out, blobName(sha(raw) as never)));
    expect(pulled.equals(raw)).toBe(true);
    const m = JSON.parse(raw.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) expect(sha(await readFile(join(out, blobName(d as never))))).toBe(d);
    note('dist pull of the skopeo-pushed image', { manifest: sha(raw), layers: m.layers.map((l) => l.digest) });
    const tar = join(work, 'byskopeo.tar');
    expect((await dist(['pull', `${reg.host}/interop/byskopeo:sk`, '-o', tar, '-q'], { env })).code).toBe(0);
    const fromTar = await skopeo(['inspect', `docker-archive:${tar}`]);
    expect(fromTar.code, fromTar.err).toBe(0);
    note('skopeo inspect docker-archive written by dist pull', (JSON.parse(fromTar.out.toString()) as { RepoTags?: string[]; Layers: string[] }).Layers);
  });

  it('skopeo reads what dist pulls (layout, OCI archive); dist pushes what skopeo writes (docker-archive, oci-archive, layout)', async () => {
    const layoutOut = join(work, 'for-skopeo');
    expect((await dist(['pull', `${reg.host}/interop/app:v1`, '-o', layoutOut, '-q'], { env })).code).toBe(0);
    const fromLayout = await skopeo(['inspect', '--raw', `oci:${layoutOut}:v1`]);
    expect(fromLayout.code, fromLayout.err).toBe(0);
    expect(fromLayout.out.equals(img.manifest.bytes)).toBe(true);
    const ociTar = join(work, 'for-skopeo.oci.tar');
    expect((await dist(['pull', `${reg.host}/interop/app:v1`, '-o', ociTar, '--format', 'oci-archive', '-q'], { env })).code).toBe(0);
    const fromOciTar = await skopeo(['inspect', '--raw', `oci-archive:${ociTar}:v1`]);
    expect(fromOciTar.code, fromOciTar.err).toBe(0);
    expect(fromOciTar.out.equals(img.manifest.bytes)).toBe(true);
    note('skopeo inspect --raw oci:<dist pull layout>:v1 and oci-archive: digest', sha(fromLayout.out));

    const dockerTar = join(work, 'by-skopeo.docker.tar');
    const w1 = await skopeo(['copy', `oci:${layout}:v1`, `docker-archive:${dockerTar}:interop/fromskopeo:d`]);
    expect(w1.code, w1.err).toBe(0);
    const p1 = await dist(['push', dockerTar, `${reg.host}/interop/fromskopeo:d`, '--json'], { env });
    expect(p1.code, p1.err).toBe(0);
    const back = JSON.parse((await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/interop/fromskopeo:d`])).out.toString()) as { Layers: string[] };
    const archived = JSON.parse((await skopeo(['inspect', `docker-archive:${dockerTar}`])).out.toString()) as { Layers: string[] };
    expect(back.Layers).toEqual(archived.Layers);
    note('dist push of a skopeo docker-archive: layers', back.Layers);

    const ociArchive = join(work, 'by-skopeo.oci.tar');
    expect((await skopeo(['copy', `oci:${layout}:v1`, `oci-archive:${ociArchive}:t`])).code).toBe(0);
    const p2 = await dist(['push', `${ociArchive}:t`, `${reg.host}/interop/fromskopeo:o`, '--json'], { env });
    expect(p2.code, p2.err).toBe(0);
    const skLayout = join(work, 'by-skopeo-layout');
    expect((await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/interop/app:v1`, `oci:${skLayout}:x`])).code).toBe(0);
    const p3 = await dist(['push', `${skLayout}:x`, `${reg.host}/interop/fromskopeo:l`, '--json'], { env });
    expect(p3.code, p3.err).toBe(0);
    note('dist push of skopeo oci-archive / layout: digests', [result(p2.out).digest, result(p3.out).digest]);
  });

  it('dist copy between two repositories mounts the blobs instead of uploading them', async () => {
    const r = await dist(['copy', `${reg.host}/interop/app:v1`, `${reg.host}/interop/mirror:v1`, '--json'], { env });
    expect(r.code, r.err).toBe(0);
    expect(count(r.out, 'blob-mounted')).toBe(3);
    expect(count(r.out, 'blob-start')).toBe(0);
    const logs = reg.logs();
    expect(logs).toMatch(/POST \/v2\/interop\/mirror\/blobs\/uploads\/\?[^ ]*mount=/);
    expect(logs).not.toMatch(/PATCH \/v2\/interop\/mirror\//);
    const raw = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/interop/mirror:v1`]);
    expect(raw.out.equals(img.manifest.bytes)).toBe(true);
    note('dist copy app → mirror', { mounted: count(r.out, 'blob-mounted'), digest: result(r.out).digest });
  });

  it('multi-platform: skopeo --all pushes an index; dist pull --platform takes one; dist copy keeps all, mounted', async () => {
    const idx = await randomIndex([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }], { layers: 1, size: 20_000 });
    const src = join(work, 'multi-src');
    await storeImage(await OciLayout.open(src), idx.blobs, 'm');
    const cp = await skopeo(['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${src}:m`, `docker://${reg.host}/interop/multi:m`]);
    expect(cp.code, cp.err).toBe(0);
    const arm = await dist(['pull', `${reg.host}/interop/multi:m`, '--platform', 'linux/arm64', '-o', join(work, 'multi-arm'), '--json'], { env });
    expect(arm.code, arm.err).toBe(0);
    expect(result(arm.out)).toMatchObject({ digest: idx.images[1]!.manifest.desc.digest, sourceDigest: idx.index.desc.digest, platform: 'linux/arm64/v8' });
    const c = await dist(['copy', `${reg.host}/interop/multi:m`, `${reg.host}/interop/multi2:m`, '--json'], { env });
    expect(c.code, c.err).toBe(0);
    expect(count(c.out, 'blob-mounted')).toBe(4);
    expect(count(c.out, 'manifest-pushed')).toBe(3);
    const raw = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/interop/multi2:m`]);
    expect(raw.out.equals(idx.index.bytes)).toBe(true);
    note('multi-platform copy (index kept byte-exact, blobs mounted)', { index: sha(raw.out), mounted: count(c.out, 'blob-mounted'), armDigest: result(arm.out).digest });
  });

  it('dist tag, dist tags, dist delete, seen by skopeo', async () => {
    expect((await dist(['tag', `${reg.host}/interop/app:v1`, 'v2', 'v3'], { env })).code).toBe(0);
    const tags = await dist(['tags', `${reg.host}/interop/app`], { env });
    expect(tags.out.trim().split('\n').sort()).toEqual(['v1', 'v2', 'v3']);
    const sk = JSON.parse((await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/interop/app`])).out.toString()) as { Tags: string[] };
    expect(sk.Tags.sort()).toEqual(['v1', 'v2', 'v3']);
    note('skopeo list-tags after dist tag', sk.Tags);
    const del = await dist(['delete', `${reg.host}/interop/byskopeo:sk`], { env });
    expect(del.code, del.err).toBe(0);
    const gone = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/interop/byskopeo:sk`]);
    expect(gone.code).not.toBe(0);
    note('skopeo inspect after dist delete', gone.err.trim().split('\n').at(-1));
  });
});

describe('dist push/pull against docker-registry 2.8 with htpasswd basic auth', () => {
  let reg: RunningDistribution;
  let work: string;
  beforeAll(async () => {
    const htpasswd = execFileSync('htpasswd', ['-Bbn', 'user', 'pass']).toString();
    reg = await startDistribution({ files: { htpasswd }, extraYaml: 'auth:\n  htpasswd: { realm: test, path: HTPASSWD }' });
    work = await mkdtemp(join(tmpdir(), 'dist-interop-basic-'));
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('pushes and pulls with --creds; refuses without; skopeo reads the same bytes', async () => {
    const env = { DIST_STATE_DIR: join(work, 'state'), DOCKER_CONFIG: join(work, 'docker'), REGISTRY_AUTH_FILE: join(work, 'auth.json'), HOME: work };
    const img = await randomImage({ layers: 1, size: 40_000, gzip: true });
    const layout = join(work, 'layout');
    await storeImage(await OciLayout.open(layout), img.blobs, 'v1');
    const anon = await dist(['push', `${layout}:v1`, `${reg.host}/auth/app:v1`], { env });
    expect(anon.code).toBe(4);
    note('dist push without creds', anon.err.trim());
    const r = await dist(['--creds', 'user:pass', 'push', `${layout}:v1`, `${reg.host}/auth/app:v1`, '--json'], { env });
    expect(r.code, r.err).toBe(0);
    expect(r.out + r.err).not.toContain('pass"');
    const raw = await skopeo(['inspect', '--tls-verify=false', '--creds', 'user:pass', '--raw', `docker://${reg.host}/auth/app:v1`]);
    expect(raw.out.equals(img.manifest.bytes)).toBe(true);
    const out = join(work, 'pulled');
    const p = await dist(['pull', `${reg.host}/auth/app:v1`, '--creds', 'user:pass', '-o', out, '--json'], { env });
    expect(p.code, p.err).toBe(0);
    expect(result(p.out).digest).toBe(img.manifest.desc.digest);
    const c = await dist(['copy', `${reg.host}/auth/app:v1`, `${reg.host}/auth/copy:v1`, '--creds', 'user:pass', '--json'], { env });
    expect(c.code, c.err).toBe(0);
    expect(count(c.out, 'blob-mounted')).toBe(2);
    note('htpasswd: dist push/pull/copy with --creds', { digest: result(p.out).digest, mounted: count(c.out, 'blob-mounted') });
  });
});

describe('dist push/pull/copy against docker-registry 2.8 in token mode (TLS, own jose token issuer)', () => {
  let reg: RunningDistribution;
  let issuer: RunningIssuer;
  let work: string;
  let caFile: string;
  let peer: TokenDistribution | undefined;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dist-interop-token-'));
    peer = await startTokenDistribution(work, { ci: 'tok-pass' });
    ({ reg, issuer, caFile } = peer);
  }, 60_000);
  afterAll(async () => {
    await peer?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('push with --creds, copy to another repository mounted (token has the source scope), pull anonymously', async () => {
    const env = { DIST_STATE_DIR: join(work, 'state'), DOCKER_CONFIG: join(work, 'docker'), REGISTRY_AUTH_FILE: join(work, 'auth.json'), HOME: work };
    const img = await randomImage({ layers: 2, size: 20_000, gzip: true });
    const layout = join(work, 'layout');
    await storeImage(await OciLayout.open(layout), img.blobs, 'v1');
    const tls = ['--ca-file', caFile, '--creds', 'ci:tok-pass'];
    const p = await dist([...tls, 'push', `${layout}:v1`, `${reg.host}/tok/app:v1`, '--json'], { env });
    expect(p.code, p.err).toBe(0);
    const c = await dist([...tls, 'copy', `${reg.host}/tok/app:v1`, `${reg.host}/tok/mirror:v1`, '--json'], { env });
    expect(c.code, c.err).toBe(0);
    expect(count(c.out, 'blob-mounted')).toBe(3);
    expect(issuer.requests.some((r) => r.scopes.includes('repository:tok/mirror:pull,push') && r.scopes.includes('repository:tok/app:pull'))).toBe(true);
    const out = join(work, 'pulled');
    const anon = await dist(['--ca-file', caFile, 'pull', `${reg.host}/tok/mirror:v1`, '-o', out, '--json'], { env });
    expect(anon.code, anon.err).toBe(0);
    expect(result(anon.out).digest).toBe(img.manifest.desc.digest);
    const raw = await skopeo(['inspect', '--cert-dir', work, '--creds', 'ci:tok-pass', '--raw', `docker://${reg.host}/tok/mirror:v1`]);
    expect(raw.out.equals(img.manifest.bytes), raw.err).toBe(true);
    note('token mode: copy mounted, token scopes', issuer.requests.filter((r) => r.scopes.some((x) => x.includes('tok/mirror'))).map((r) => r.scopes.join(' ')));
  });
});
