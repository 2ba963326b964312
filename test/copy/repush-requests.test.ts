import { describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { MemoryStore } from '../../src/content/memory.js';
import { copyImage } from '../../src/copy/operations.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { shared } from '../helpers/fixture.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { startRegistry } from '../helpers/registry.js';

const manifestRequests = (log: { method: string; path: string }[]): string[] => log.filter((r) => r.path.includes('/manifests/')).map((r) => `${r.method} ${r.path.replace(/.*\/manifests\//, '')}`);

describe('a copy to a registry that already holds the manifest', () => {
  const reg = shared(startRegistry);
  const proxy = shared(() => startFaultProxy(reg.host));

  it('tags it with the source bytes: HEAD and PUT, no GET (a GET counts as a pull on Docker Hub)', async () => {
    const src = new MemoryStore();
    const img = await randomImage({ layers: 2 });
    await storeImage(src, img.blobs, 'v1');
    await copyImage(src, 'v1', new RemoteRepository(proxy.host, 'lib/re', { journal: false }), { tag: 'v1' });
    // a fresh instance, as a second `dist push` of the same image is
    const dst = new RemoteRepository(proxy.host, 'lib/re', { journal: false });
    const mark = proxy.log.length;
    const r = await copyImage(src, 'v1', dst, { tag: 'v2' });
    expect(r.manifests).toEqual({ pushed: 0, skipped: 1 });
    const digest = img.manifest.desc.digest;
    expect(manifestRequests(proxy.log.slice(mark))).toEqual([`HEAD ${digest}`, 'PUT v2']);
    expect((await dst.fetchManifest('v2')).bytes.equals(img.manifest.bytes)).toBe(true);
  });

  it('bytes that do not match the descriptor are not used: the manifest is fetched back', async () => {
    const src = new MemoryStore();
    const img = await randomImage({ layers: 1 });
    await storeImage(src, img.blobs, 'v1');
    await copyImage(src, 'v1', new RemoteRepository(proxy.host, 'lib/bad', { journal: false }), { tag: 'v1' });
    const dst = new RemoteRepository(proxy.host, 'lib/bad', { journal: false });
    const wrong = Buffer.from(img.manifest.bytes);
    wrong[wrong.length - 2] ^= 1;
    dst.knownManifest(img.manifest.desc, wrong);
    const mark = proxy.log.length;
    await dst.tag(img.manifest.desc, 'v3');
    expect(manifestRequests(proxy.log.slice(mark))).toEqual([`GET ${img.manifest.desc.digest}`, 'PUT v3']);
    expect((await dst.fetchManifest('v3')).bytes.equals(img.manifest.bytes)).toBe(true);
  });
});
