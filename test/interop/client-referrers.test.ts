import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { blobName } from '../../src/content/layout/paths.js';
import { digestOf } from '../../src/digest/digest.js';
import { buildOnce, dist, type RunResult } from '../cli/helpers.js';
import { startDistribution, type RunningDistribution } from '../helpers/distribution.js';
import { randomImage, storeImage, type FixtureImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * OCI 1.1 referrers through the CLI against Debian's docker-registry 2.8, which has no referrers
 * API: the client keeps the `sha256-<hex>` fallback tag index itself; skopeo is the witness that
 * the images stay ordinary images and the fallback tag is an ordinary tag.
 */

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SBOM = 'application/spdx+json';
const SIG = 'application/vnd.dev.cosign.simplesigning.v1+json';
const fallbackTag = (digest: string): string => digest.replace(':', '-');

interface Listed { mediaType: string; digest: string; size: number; artifactType?: string; annotations?: Record<string, string> }

function skopeo(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((res) => {
    execFile('skopeo', args, { maxBuffer: 16 * 1024 * 1024 }, (e, stdout, stderr) => {
      res({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

/** GET a manifest straight from a registry (no dist code in the way): exact bytes and content type. */
async function rawManifest(host: string, repo: string, ref: string): Promise<{ status: number; type: string; bytes: Buffer }> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, { headers: { accept: `${INDEX}, ${MANIFEST}` } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
}

async function fallbackIndex(host: string, repo: string, subject: string): Promise<{ mediaType: string; manifests: Listed[] }> {
  const m = await rawManifest(host, repo, fallbackTag(subject));
  expect(m.status, `${repo}:${fallbackTag(subject)}`).toBe(200);
  expect(m.type).toBe(INDEX);
  return JSON.parse(m.bytes.toString('utf8')) as { mediaType: string; manifests: Listed[] };
}

const ok = (r: RunResult): RunResult => {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};

describe('referrers through the CLI on docker-registry 2.8 (fallback tag index), skopeo as witness', () => {
  let reg: RunningDistribution;
  let serve: TestRegistry;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let img: FixtureImage;
  let layout: string;
  let sbomFile: string;
  let sigFile: string;
  let first: Listed;

  beforeAll(async () => {
    buildOnce();
    reg = await startDistribution();
    serve = await startRegistry();
    work = await mkdtemp(join(tmpdir(), 'dist-interop-referrers-'));
    env = { DIST_STATE_DIR: join(work, 'state'), DOCKER_CONFIG: join(work, 'docker'), REGISTRY_AUTH_FILE: join(work, 'auth.json') };
    img = await randomImage({ layers: 2, size: 20_000, gzip: true });
    layout = join(work, 'layout');
    await storeImage(await OciLayout.open(layout), img.blobs, 'v1');
    sbomFile = join(work, 'sbom.spdx.json');
    await writeFile(sbomFile, JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app', packages: [{ name: 'libc' }] }));
    sigFile = join(work, 'app.sig');
    await writeFile(sigFile, 'not really a signature, but bytes to carry\n');
    ok(await dist(['push', '-q', `${layout}:v1`, `${reg.host}/ref/app:v1`], { env }));
  }, 300_000);
  afterAll(async () => {
    await serve?.close();
    await reg?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('attach on docker-registry writes the sha256-<hex> fallback tag: an OCI index with the artifact descriptor', async () => {
    const r = ok(await dist(['attach', '--json', `${reg.host}/ref/app:v1`, `${sbomFile}:${SBOM}`, '--artifact-type', SBOM, '-a', 'org.example.tool=dist-test'], { env }));
    const out = r.json[0]!;
    expect(out.subject).toBe(img.manifest.desc.digest);
    const artifact = await rawManifest(reg.host, 'ref/app', String(out.digest));
    expect(artifact.status).toBe(200);
    expect(digestOf(artifact.bytes)).toBe(out.digest);
    const m = JSON.parse(artifact.bytes.toString('utf8')) as { artifactType: string; subject: { digest: string }; layers: Array<{ mediaType: string; digest: string; annotations: Record<string, string> }> };
    expect(m.artifactType).toBe(SBOM);
    expect(m.subject.digest).toBe(img.manifest.desc.digest);
    expect(m.layers).toEqual([expect.objectContaining({ mediaType: SBOM, digest: digestOf(await readFile(sbomFile)), annotations: { 'org.opencontainers.image.title': 'sbom.spdx.json' } })]);

    const index = await fallbackIndex(reg.host, 'ref/app', img.manifest.desc.digest);
    expect(index.mediaType).toBe(INDEX);
    expect(index.manifests).toHaveLength(1);
    first = index.manifests[0]!;
    expect(first).toMatchObject({ mediaType: MANIFEST, digest: out.digest, size: artifact.bytes.length, artifactType: SBOM });
    expect(first.annotations).toMatchObject({ 'org.example.tool': 'dist-test', 'org.opencontainers.image.created': expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('a second attach keeps the first entry as it was; dist referrers lists both, --artifact-type filters', async () => {
    const before = await rawManifest(reg.host, 'ref/app', fallbackTag(img.manifest.desc.digest));
    const r = ok(await dist(['attach', '--json', `${reg.host}/ref/app@${img.manifest.desc.digest}`, sigFile, '--artifact-type', SIG], { env }));
    const sig = String(r.json[0]!.digest);
    const index = await fallbackIndex(reg.host, 'ref/app', img.manifest.desc.digest);
    // the revision it replaced is deleted (as oras-go does), and docker-registry keeps the tag on the new one
    const old = `sha256:${createHash('sha256').update(before.bytes).digest('hex')}`;
    expect((await rawManifest(reg.host, 'ref/app', old)).status).toBe(404);
    expect(index.manifests).toHaveLength(2);
    expect(index.manifests[0]).toEqual(first);
    expect(index.manifests[1]).toMatchObject({ digest: sig, artifactType: SIG });

    const all = ok(await dist(['referrers', '--json', `${reg.host}/ref/app:v1`], { env }));
    expect(all.json.map((j) => [j.subject, j.digest, j.artifactType])).toEqual([
      [img.manifest.desc.digest, first.digest, SBOM],
      [img.manifest.desc.digest, sig, SIG],
    ]);
    const text = ok(await dist(['referrers', `${reg.host}/ref/app:v1`], { env }));
    expect(text.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual([first.digest, sig]);
    const only = ok(await dist(['referrers', '--json', `${reg.host}/ref/app:v1`, '--artifact-type', SIG], { env }));
    expect(only.json.map((j) => j.digest)).toEqual([sig]);
  });

  let sbomDigest: string;
  let sigOfSbom: string;
  it('copy --referrers from dist serve carries a nested referrer (signature of the SBOM) with exact digests', async () => {
    ok(await dist(['push', '-q', `${layout}:v1`, `${serve.host}/src/app:v1`], { env }));
    sbomDigest = String(ok(await dist(['attach', '--json', `${serve.host}/src/app:v1`, `${sbomFile}:${SBOM}`, '--artifact-type', SBOM], { env })).json[0]!.digest);
    sigOfSbom = String(ok(await dist(['attach', '--json', `${serve.host}/src/app@${sbomDigest}`, sigFile, '--artifact-type', SIG], { env })).json[0]!.digest);
    // dist serve has the referrers API: no fallback tag there
    expect((await rawManifest(serve.host, 'src/app', fallbackTag(img.manifest.desc.digest))).status).toBe(404);

    const c = ok(await dist(['copy', '--json', '--referrers', `${serve.host}/src/app:v1`, `${reg.host}/mirror/app:v1`], { env }));
    const result = c.json.find((j) => j.type === 'result')!;
    expect(result).toMatchObject({ digest: img.manifest.desc.digest, referrers: 2 });
    expect(c.json.filter((j) => j.type === 'referrer-copied').map((j) => [j.subject, j.digest])).toEqual([
      [img.manifest.desc.digest, sbomDigest],
      [sbomDigest, sigOfSbom],
    ]);
    for (const d of [img.manifest.desc.digest, sbomDigest, sigOfSbom]) {
      const src = await rawManifest(serve.host, 'src/app', d);
      const dst = await rawManifest(reg.host, 'mirror/app', d);
      expect(dst.status, d).toBe(200);
      expect(digestOf(dst.bytes)).toBe(d);
      expect(dst.bytes.equals(src.bytes)).toBe(true);
    }
    expect((await fallbackIndex(reg.host, 'mirror/app', img.manifest.desc.digest)).manifests.map((m) => m.digest)).toEqual([sbomDigest]);
    expect((await fallbackIndex(reg.host, 'mirror/app', sbomDigest)).manifests.map((m) => m.digest)).toEqual([sigOfSbom]);
    const nested = ok(await dist(['referrers', '--json', `${reg.host}/mirror/app@${sbomDigest}`], { env }));
    expect(nested.json.map((j) => [j.digest, j.artifactType])).toEqual([[sigOfSbom, SIG]]);
    // a second run finds everything there: the fallback indexes are re-checked, not duplicated
    const again = ok(await dist(['copy', '--json', '--referrers', `${serve.host}/src/app:v1`, `${reg.host}/mirror/app:v1`], { env }));
    expect(again.json.find((j) => j.type === 'result')).toMatchObject({ referrers: 2 });
    expect((await fallbackIndex(reg.host, 'mirror/app', img.manifest.desc.digest)).manifests.map((m) => m.digest)).toEqual([sbomDigest]);
    expect((await fallbackIndex(reg.host, 'mirror/app', sbomDigest)).manifests.map((m) => m.digest)).toEqual([sigOfSbom]);
  });

  it('skopeo: the mirrored image is still an ordinary image; the fallback tag is an ordinary tag', async () => {
    const inspect = await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/mirror/app:v1`]);
    expect(inspect.code, inspect.err).toBe(0);
    const info = JSON.parse(inspect.out) as { Digest: string; Layers: string[]; Os: string; Architecture: string };
    expect(info.Digest).toBe(img.manifest.desc.digest);
    expect(info.Layers).toEqual(img.layers.map((l) => l.desc.digest));
    expect([info.Os, info.Architecture]).toEqual(['linux', 'amd64']);
    const tags = await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/mirror/app`]);
    expect(tags.code, tags.err).toBe(0);
    expect((JSON.parse(tags.out) as { Tags: string[] }).Tags.sort()).toEqual([fallbackTag(img.manifest.desc.digest), fallbackTag(sbomDigest), 'v1'].sort());
    const raw = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/mirror/app:${fallbackTag(img.manifest.desc.digest)}`]);
    expect(raw.code, raw.err).toBe(0);
    expect((JSON.parse(raw.out) as { mediaType: string; manifests: Listed[] }).manifests.map((m) => m.digest)).toEqual([sbomDigest]);
  });

  it('pull --referrers into a layout, push --referrers of that layout to a fresh repository: the same graph', async () => {
    const out = join(work, 'pulled');
    const p = ok(await dist(['pull', '--json', '--referrers', `${reg.host}/mirror/app:v1`, '-o', out], { env }));
    expect(p.json.find((j) => j.type === 'result')).toMatchObject({ digest: img.manifest.desc.digest, referrers: 2 });
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Listed[] };
    const tagged = index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name']);
    expect(tagged.map((m) => m.digest)).toEqual([img.manifest.desc.digest]);
    expect(index.manifests.map((m) => m.digest).sort()).toEqual([img.manifest.desc.digest, sbomDigest, sigOfSbom].sort());
    for (const d of [sbomDigest, sigOfSbom]) expect(digestOf(await readFile(join(out, blobName(d as never))))).toBe(d);
    const local = ok(await dist(['referrers', '--json', `${out}:v1`], { env }));
    expect(local.json.map((j) => j.digest)).toEqual([sbomDigest]);

    const push = ok(await dist(['push', '--json', '--referrers', `${out}:v1`, `${reg.host}/fresh/app:v1`], { env }));
    expect(push.json.find((j) => j.type === 'result')).toMatchObject({ digest: img.manifest.desc.digest, referrers: 2 });
    for (const d of [img.manifest.desc.digest, sbomDigest, sigOfSbom]) {
      const m = await rawManifest(reg.host, 'fresh/app', d);
      expect(m.status, d).toBe(200);
      expect(digestOf(m.bytes)).toBe(d);
    }
    expect((await fallbackIndex(reg.host, 'fresh/app', img.manifest.desc.digest)).manifests.map((m) => m.digest)).toEqual([sbomDigest]);
    expect((await fallbackIndex(reg.host, 'fresh/app', sbomDigest)).manifests.map((m) => m.digest)).toEqual([sigOfSbom]);
    const back = ok(await dist(['referrers', '--json', `${reg.host}/fresh/app:v1`], { env }));
    expect(back.json.map((j) => [j.digest, j.artifactType])).toEqual([[sbomDigest, SBOM]]);
    const sk = await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/fresh/app:v1`]);
    expect(sk.code, sk.err).toBe(0);
    expect((JSON.parse(sk.out) as { Digest: string }).Digest).toBe(img.manifest.desc.digest);
  });
});
