import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureImage, randomImage } from '../helpers/layout-fixture.js';
import { type CephS3, startCeph } from './peers/ceph.js';
import { type DistInstance, s3Config, startDist } from './peers/dist-serve.js';
import { type RegistryS3, startRegistryS3 } from './peers/docker-registry-s3.js';
import { writeLayout } from './peers/oci-layout.js';
import { digestOf as sha } from '../../src/digest/digest.js';
import { skopeo } from './peers/skopeo.js';

const MiB = 1024 * 1024;
const BUCKET = 'compat';
let ceph: CephS3;
let reg: RegistryS3;
let dist: DistInstance;
let work: string;

async function pushVia(host: string, img: FixtureImage, repo: string, tag: string): Promise<void> {
  const src = join(work, `src-${repo.replaceAll('/', '_')}-${tag}`);
  writeLayout(src, img, tag);
  await skopeo('copy', '--dest-tls-verify=false', `oci:${src}:${tag}`, `docker://${host}/${repo}:${tag}`);
}

async function expectPullVia(host: string, img: FixtureImage, repo: string, tag: string): Promise<void> {
  const raw = await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/${repo}:${tag}`);
  expect(sha(Buffer.from(raw))).toBe(img.manifest.desc.digest);
  const out = join(work, `out-${host.replace(':', '_')}-${repo.replaceAll('/', '_')}-${tag}`);
  await skopeo('copy', '--src-tls-verify=false', `docker://${host}/${repo}:${tag}`, `oci:${out}:${tag}`);
  for (const b of img.blobs) expect(sha(readFileSync(join(out, 'blobs', 'sha256', b.desc.digest.slice(7))))).toBe(b.desc.digest);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dist-compat-'));
  ceph = await startCeph();
  await ceph.createBucket(BUCKET);
  reg = await startRegistryS3(work, ceph, BUCKET, '/reg');
  dist = await startDist(work, 'dist', s3Config(ceph, { bucket: BUCKET, root: '/reg' }));
}, 300_000);

afterAll(async () => {
  await dist?.stop();
  await reg?.stop();
  await ceph?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("bucket compatibility with Debian's docker-registry (s3 driver) on one Ceph bucket", () => {
  it('an image pushed to docker-registry is served by dist serve', async () => {
    const img = await randomImage({ layers: 2, size: 6 * MiB, gzip: true });
    await pushVia(reg.host, img, 'from/registry', 'r1');
    await expectPullVia(dist.host, img, 'from/registry', 'r1');
    expect(JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${dist.host}/from/registry`)).Tags).toEqual(['r1']);
  });

  it('an image pushed to dist serve (multipart blobs) is served by docker-registry', async () => {
    const img = await randomImage({ layers: 2, size: 7 * MiB, gzip: true });
    await pushVia(dist.host, img, 'from/dist', 'd1');
    await expectPullVia(reg.host, img, 'from/dist', 'd1');
    const cat = (await (await fetch(`${reg.url}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(cat.repositories).toEqual(expect.arrayContaining(['from/dist', 'from/registry']));
  });

  it('a tag deleted through dist serve is gone for docker-registry too', async () => {
    const img = await randomImage({ layers: 1, size: 1024, gzip: true });
    await pushVia(dist.host, img, 'from/del', 'x');
    const accept = { Accept: img.manifest.desc.mediaType };
    expect((await fetch(`${reg.url}/v2/from/del/manifests/x`, { headers: accept })).status).toBe(200);
    expect((await fetch(`${dist.url}/v2/from/del/manifests/${img.manifest.desc.digest}`, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(`${reg.url}/v2/from/del/manifests/${img.manifest.desc.digest}`, { headers: accept })).status).toBe(404);
  });
});
