import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImage, type RandomImage } from '../helpers/images.js';
import { type Served, spawnServe } from '../server/spawn.js';
import { raw } from '../server/util.js';
import { tempDir } from '../helpers/temp.js';
import { digestOf as sha } from '../../src/digest/digest.js';
import { skopeo } from './peers/skopeo.js';

const run = promisify(execFile);

let work: string;
let served: Served;
let host: string;
let img: RandomImage;

beforeAll(async () => {
  work = tempDir('dist-skopeo-');
  served = await spawnServe([join(work, 'data'), '--addr', '127.0.0.1:0', '--log-level', 'error']);
  host = new URL(served.url).host;
  img = await randomImage({ layers: 3, size: 200_000, dir: join(work, 'src'), tag: 'v1' });
});
afterAll(async () => {
  served.proc.kill('SIGTERM');
  await served.exited;
});

/** Read an OCI layout's manifest for `tag` and every blob it names. */
async function readLayout(dir: string, tag: string): Promise<{ manifestDigest: string; blobs: Map<string, Buffer> }> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag) ?? index.manifests[0]!;
  const blob = (d: string): Promise<Buffer> => readFile(join(dir, 'blobs', 'sha256', d.slice(7)));
  const manifest = await blob(entry.digest);
  const m = JSON.parse(manifest.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
  const blobs = new Map<string, Buffer>();
  for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) blobs.set(d, await blob(d));
  return { manifestDigest: entry.digest, blobs };
}

describe('skopeo ↔ dist serve', () => {
  it('copies an OCI layout in and back out with identical digests and bytes', async () => {
    await skopeo('copy', '--dest-tls-verify=false', `oci:${join(work, 'src')}:v1`, `docker://${host}/skopeo/oci:v1`);
    await skopeo('copy', '--src-tls-verify=false', `docker://${host}/skopeo/oci:v1`, `oci:${join(work, 'out')}:v1`);
    const out = await readLayout(join(work, 'out'), 'v1');
    expect(out.manifestDigest).toBe(img.manifest.digest);
    expect(sha(await readFile(join(work, 'out', 'blobs', 'sha256', img.manifest.digest.slice(7))))).toBe(img.manifest.digest);
    for (const b of [img.config, ...img.layers]) expect(out.blobs.get(b.digest)?.equals(b.bytes)).toBe(true);
  });

  it('inspect --raw returns the exact manifest bytes', async () => {
    const rawOut = await run('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${host}/skopeo/oci:v1`], { encoding: 'buffer' });
    expect(Buffer.from(rawOut.stdout).equals(img.manifest.bytes)).toBe(true);
  });

  it('--format v2s2 pushes a Docker schema 2 manifest that comes back consistent', async () => {
    await skopeo('copy', '--dest-tls-verify=false', '--format', 'v2s2', `oci:${join(work, 'src')}:v1`, `docker://${host}/skopeo/v2s2:v1`);
    const m = JSON.parse(await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/skopeo/v2s2:v1`)) as { mediaType: string; layers: Array<{ digest: string }>; config: { digest: string } };
    expect(m.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(m.layers.map((l) => l.digest)).toEqual(img.layers.map((l) => l.digest));
    const head = await raw(served.url, 'GET', '/v2/skopeo/v2s2/manifests/v1', { headers: { Accept: m.mediaType } });
    expect(head.header('content-type')).toBe(m.mediaType);
    await skopeo('copy', '--src-tls-verify=false', `docker://${host}/skopeo/v2s2:v1`, `oci:${join(work, 'out-v2s2')}:v1`);
    const out = await readLayout(join(work, 'out-v2s2'), 'v1');
    for (const l of m.layers) {
      const blob = await raw(served_url(), 'GET', `/v2/skopeo/v2s2/blobs/${l.digest}`);
      expect(out.blobs.get(l.digest)?.equals(blob.body)).toBe(true);
      expect(sha(blob.body)).toBe(l.digest);
    }
    const cfg = JSON.parse((await raw(served_url(), 'GET', `/v2/skopeo/v2s2/blobs/${m.config.digest}`)).body.toString()) as { rootfs: { diff_ids: string[] } };
    expect(cfg.rootfs.diff_ids).toEqual(img.diffIds);
  });

  it('accepts a docker-archive: source', async () => {
    const archive = join(work, 'image.tar');
    await skopeo('copy', `oci:${join(work, 'src')}:v1`, `docker-archive:${archive}:skopeo/archive:v1`);
    await skopeo('copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${host}/skopeo/archive:v1`);
    const m = JSON.parse(await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/skopeo/archive:v1`)) as { config: { digest: string } };
    const cfg = JSON.parse((await raw(served_url(), 'GET', `/v2/skopeo/archive/blobs/${m.config.digest}`)).body.toString()) as { rootfs: { diff_ids: string[] } };
    expect(cfg.rootfs.diff_ids).toEqual(img.diffIds);
  });

  it('list-tags lists every tag', async () => {
    await skopeo('copy', '--dest-tls-verify=false', `oci:${join(work, 'src')}:v1`, `docker://${host}/skopeo/oci:v2`);
    const tags = JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${host}/skopeo/oci`)) as { Repository: string; Tags: string[] };
    expect(tags.Tags.sort()).toEqual(['v1', 'v2']);
  });

  it('delete removes the manifest (and its tags)', async () => {
    await skopeo('copy', '--dest-tls-verify=false', `oci:${join(work, 'src')}:v1`, `docker://${host}/skopeo/del:v1`);
    await skopeo('delete', '--tls-verify=false', `docker://${host}/skopeo/del:v1`);
    const r = await raw(served_url(), 'GET', `/v2/skopeo/del/manifests/${img.manifest.digest}`, { headers: { Accept: '*/*' } });
    expect(r.status).toBe(404);
    expect((await raw(served_url(), 'GET', '/v2/skopeo/del/tags/list')).json()).toEqual({ name: 'skopeo/del', tags: [] });
  });
});

function served_url(): string {
  return served.url;
}
