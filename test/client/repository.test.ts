import { Readable } from 'node:stream';
import { buffer as drain } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import { RemoteRegistry } from '../../src/client/registry.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { formatSummary, inspectTarget, summarize } from '../../src/client/summary.js';
import type { Descriptor } from '../../src/oci/types.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { tinyImage, type TinyImage } from '../helpers/tiny-image.js';

async function pushImage(repo: RemoteRepository, img: TinyImage, tags: string[]): Promise<void> {
  for (const b of [img.config, ...img.layers]) if (!(await repo.exists(b.desc))) await repo.push(b.desc, Readable.from([b.bytes]));
  await repo.pushManifest(img.manifest.desc, img.manifest.bytes, tags);
}

describe('RemoteRepository against dist serve', () => {
  const reg = shared(startRegistry);
  const proxy = shared(() => startFaultProxy(reg.host));

  it('implements Target: push, exists, resolve, fetch (also from an offset), tag without moving blobs', async () => {
    const img = tinyImage([3000, 5000]);
    const repo = new RemoteRepository(proxy.host, 'lib/app', { journal: false });
    await pushImage(repo, img, ['v1']);
    expect(await repo.resolve('v1')).toEqual(img.manifest.desc);
    expect(await repo.resolve(`${proxy.host}/lib/app:v1`)).toEqual(img.manifest.desc);
    expect(await repo.exists(img.manifest.desc)).toBe(true);
    expect((await drain(await repo.fetch(img.manifest.desc))).equals(img.manifest.bytes)).toBe(true);
    const l = img.layers[1]!;
    expect((await drain(await repo.fetch(l.desc, { offset: 4000 }))).equals(l.bytes.subarray(4000))).toBe(true);
    const before = proxy.log.length;
    await repo.tag(img.manifest.desc, 'v2');
    const during = proxy.log.slice(before);
    expect(during.filter((r) => r.path.includes('/blobs/'))).toEqual([]);
    expect((await repo.fetchManifest('v2')).bytes.equals(img.manifest.bytes)).toBe(true);
    // a fresh instance (nothing cached) fetches the manifest then PUTs it: still no blob traffic
    const fresh = new RemoteRepository(proxy.host, 'lib/app', { journal: false });
    const mark = proxy.log.length;
    await fresh.tag(img.manifest.desc, 'v3');
    expect(proxy.log.slice(mark).map((r) => `${r.method} ${r.path.replace(/.*\/manifests\//, 'm/')}`)).toEqual([`GET m/${img.manifest.desc.digest}`, 'PUT m/v3']);
  });

  it('lists tags across pages (Link rel=next) and the catalog likewise', async () => {
    const img = tinyImage([10]);
    const repo = new RemoteRepository(proxy.host, 'lib/many', { journal: false });
    const tags = Array.from({ length: 7 }, (_, i) => `t${i}`);
    await pushImage(repo, img, tags);
    const mark = proxy.log.length;
    const pages: string[][] = [];
    for await (const p of repo.tagPages({ pageSize: 3 })) pages.push(p);
    expect(pages.flat().sort()).toEqual(tags);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(proxy.log.slice(mark).filter((r) => r.path.endsWith('/tags/list')).length).toBe(pages.length);
    const cat = await new RemoteRegistry(proxy.host).catalog({ pageSize: 1 });
    expect(cat).toEqual(expect.arrayContaining(['lib/app', 'lib/many']));
  });

  it('mounts across repositories and deletes by tag (resolving to the digest)', async () => {
    const img = tinyImage([1234]);
    const a = new RemoteRepository(proxy.host, 'm/a', { journal: false });
    await pushImage(a, img, ['x']);
    const b = new RemoteRepository(proxy.host, 'm/b', { journal: false, client: a.client });
    const mark = proxy.log.length;
    expect(await b.mount(img.layers[0]!.desc, 'm/a')).toBe(true);
    expect(proxy.log.slice(mark).reduce((n, r) => n + r.bytes, 0)).toBe(0);
    expect(await b.mount(tinyImage([5]).layers[0]!.desc, 'm/a')).toBe(false);
    const deleted = await a.deleteManifest('x');
    expect(deleted).toBe(img.manifest.desc.digest);
    await expect(a.resolve('x')).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
  });

  it('lists referrers (API or fallback tag) and summarises images and indexes', async () => {
    const img = tinyImage([100, 200]);
    const repo = new RemoteRepository(proxy.host, 'r/ref', { journal: false });
    await pushImage(repo, img, ['v1']);
    const emptyCfg = Buffer.from('{}');
    await repo.push({ mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(emptyCfg), size: 2 }, Readable.from([emptyCfg]));
    const sig = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.example.sig',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(emptyCfg), size: 2 }, layers: [], subject: img.manifest.desc,
    }));
    const sigDesc: Descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(sig), size: sig.length };
    await repo.pushManifest(sigDesc, sig);
    const refs = await repo.referrers(img.manifest.desc.digest);
    expect(refs.map((r) => r.digest)).toEqual([sigDesc.digest]);
    expect(await repo.referrers(img.manifest.desc.digest, { artifactType: 'application/other' })).toEqual([]);

    const s = await summarize(repo, img.manifest.desc, { reference: 'x' });
    expect(s.layers?.map((l) => l.size)).toEqual([100, 200]);
    expect(s.config?.platform).toBe('linux/amd64');
    expect(s.totalSize).toBe(300 + img.config.desc.size);
    expect(formatSummary(s)).toContain('linux/amd64');

    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ ...img.manifest.desc, platform: { os: 'linux', architecture: 'amd64' } }] }));
    const idx: Descriptor = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: digestOf(index), size: index.length };
    await repo.pushManifest(idx, index, ['multi']);
    const si = await inspectTarget(repo, await repo.resolve('multi'));
    expect(si.kind === 'summary' && si.summary.manifests?.[0]?.platform).toBe('linux/amd64');
    const cfg = await inspectTarget(repo, idx, { config: true, platform: { os: 'linux', architecture: 'amd64' } });
    expect(cfg.kind === 'bytes' && cfg.bytes.equals(img.config.bytes)).toBe(true);
    await expect(inspectTarget(repo, idx, { config: true })).rejects.toThrow(/--platform/);
    const raw = await inspectTarget(repo, idx, { raw: true });
    expect(raw.kind === 'bytes' && raw.bytes.equals(index)).toBe(true);
  });
});
