import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { MemoryStore } from '../../src/content/memory.js';
import { fetchBytes } from '../../src/content/read.js';
import type { Descriptor } from '../../src/oci/types.js';
import type { FetchOptions, Mounter, PushOptions } from '../../src/content/target.js';
import { copyGraph } from '../../src/copy/graph.js';
import { copyImage } from '../../src/copy/operations.js';
import type { CopyEvent } from '../../src/copy/events.js';
import { CopyError } from '../../src/errors/errors.js';
import { randomImage, randomIndex, storeImage } from '../helpers/layout-fixture.js';
import { tempDir } from '../helpers/temp.js';

/** A memory store that records push order and peak concurrency of blob pushes. */
class RecordingStore extends MemoryStore {
  order: string[] = [];
  active = 0;
  peak = 0;
  override async push(d: Descriptor, body: Readable, o?: PushOptions): Promise<void> {
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    await new Promise((r) => setTimeout(r, 15));
    try {
      await super.push(d, body, o);
      this.order.push(d.digest);
    } finally {
      this.active--;
    }
  }
}

describe('copyGraph', () => {
  it('copies an image children-first, keeps digests, and skips what the destination has', async () => {
    const src = new MemoryStore();
    const img = await randomImage({ layers: 3 });
    await storeImage(src, img.blobs, 'v1');
    const dst = new RecordingStore();
    await storeImage(dst, [img.layers[0]!]);
    dst.order = [];
    const events: CopyEvent[] = [];
    const r = await copyImage(src, 'v1', dst, { tag: 'v1', onEvent: (e) => events.push(e) });
    expect(r.root.digest).toBe(img.manifest.desc.digest);
    expect(dst.order.at(-1)).toBe(img.manifest.desc.digest);
    expect(dst.order).not.toContain(img.layers[0]!.desc.digest);
    expect(r.blobs).toEqual({ copied: 3, skipped: 1, mounted: 0 });
    expect(events.filter((e) => e.type === 'blob-skipped').map((e) => (e as { digest: string }).digest)).toEqual([img.layers[0]!.desc.digest]);
    expect(events.filter((e) => e.type === 'blob-done')).toHaveLength(3);
    expect(events.some((e) => e.type === 'manifest-pushed')).toBe(true);
    expect((await dst.resolve('v1')).digest).toBe(img.manifest.desc.digest);
  });

  it('bounds parallel blob transfers by jobs', async () => {
    const src = new MemoryStore();
    const img = await randomImage({ layers: 8, size: 512 });
    await storeImage(src, img.blobs, 'v1');
    const one = new RecordingStore();
    await copyImage(src, 'v1', one, { jobs: 1 });
    expect(one.peak).toBe(1);
    const three = new RecordingStore();
    await copyImage(src, 'v1', three, { jobs: 3 });
    expect(three.peak).toBe(3);
  });

  it('gives small blobs a lane of their own, so a config never holds up a layer', async () => {
    const src = new MemoryStore();
    const img = await randomImage({ layers: 1, size: (1 << 20) + 4096 });
    await storeImage(src, img.blobs, 'v1');
    let layerStarted!: () => void;
    const started = new Promise<void>((r) => (layerStarted = r));
    const dst = new (class extends MemoryStore {
      override async push(d: Descriptor, body: Readable, o?: PushOptions): Promise<void> {
        if (d.digest === img.layers[0]!.desc.digest) layerStarted();
        // With one shared slot (jobs 1) the layer could not start while the config holds it.
        if (d.digest === img.config.desc.digest) {
          const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('the layer did not start while the config was copying')), 2000));
          await Promise.race([started, timeout]);
        }
        await super.push(d, body, o);
      }
    })();
    await copyImage(src, 'v1', dst, { jobs: 1 });
    expect(await dst.exists(img.layers[0]!.desc)).toBe(true);
  });

  it('copies every platform of an index by default, one with --platform', async () => {
    const src = new MemoryStore();
    const idx = await randomIndex([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }]);
    await storeImage(src, idx.blobs, 'multi');
    const all = new MemoryStore();
    const r = await copyImage(src, 'multi', all, { tag: 'multi' });
    expect(r.root.digest).toBe(idx.index.desc.digest);
    for (const b of idx.blobs) expect(await all.exists(b.desc)).toBe(true);
    const one = new MemoryStore();
    const r2 = await copyImage(src, 'multi', one, { tag: 'arm', platform: { os: 'linux', architecture: 'arm64' } });
    expect(r2.root.digest).toBe(idx.images[1]!.manifest.desc.digest);
    expect(await one.exists(idx.images[0]!.layers[0]!.desc)).toBe(false);
    expect(await one.exists(idx.index.desc)).toBe(false);
    await expect(copyImage(src, 'multi', new MemoryStore(), { platform: { os: 'windows', architecture: 'amd64' } })).rejects.toThrow(/linux\/arm64\/v8/);
  });

  it('reports a corrupt source blob as CopyError on the source side', async () => {
    const img = await randomImage({ layers: 1 });
    class Corrupt extends MemoryStore {
      override async fetch(d: Descriptor, o?: FetchOptions): Promise<Readable> {
        if (d.digest !== img.layers[0]!.desc.digest) return super.fetch(d, o);
        const bad = Buffer.from(img.layers[0]!.bytes);
        bad[0] ^= 1;
        return Readable.from([bad]);
      }
    }
    const src = new Corrupt();
    await storeImage(src, img.blobs, 'v1');
    const dir = tempDir('dist-copy-');
    const err = await copyImage(src, 'v1', await OciLayout.open(dir), { tag: 'v1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CopyError);
    expect((err as CopyError).side).toBe('source');
    expect((err as Error).message).toContain(img.layers[0]!.desc.digest);
  });

  it('mounts instead of copying between repositories of one registry', async () => {
    const img = await randomImage({ layers: 2 });
    class Repo extends MemoryStore implements Mounter {
      mounts: string[] = [];
      constructor(readonly location: { registry: string; repository: string }, private readonly peer?: MemoryStore) {
        super();
      }
      async mount(d: Descriptor, from: string): Promise<boolean> {
        this.mounts.push(`${from}@${d.digest}`);
        const body = await this.peer!.fetch(d);
        await super.push(d, body);
        return true;
      }
    }
    const a = new Repo({ registry: 'r:5000', repository: 'a' });
    await storeImage(a, img.blobs, 'v1');
    const b = new Repo({ registry: 'r:5000', repository: 'b' }, a);
    const events: CopyEvent[] = [];
    const r = await copyImage(a, 'v1', b, { tag: 'v1', onEvent: (e) => events.push(e) });
    expect(r.blobs.mounted).toBe(3);
    expect(b.mounts).toHaveLength(3);
    expect(events.filter((e) => e.type === 'blob-start')).toHaveLength(0);
  });

  it('resumes a partial download into a layout from the partial size', async () => {
    const img = await randomImage({ layers: 1, size: 100_000 });
    const src = new MemoryStore();
    await storeImage(src, img.blobs, 'v1');
    const dir = tempDir('dist-copy-');
    const layout = await OciLayout.open(dir);
    const { desc, bytes } = img.layers[0]!;
    let sent = false;
    const broken = new Readable({
      read() {
        if (sent) return void setTimeout(() => this.destroy(new Error('reset')), 10);
        sent = true;
        this.push(bytes.subarray(0, 40_000));
      },
    });
    await expect(layout.push(desc, broken)).rejects.toThrow('reset');
    const offsets: number[] = [];
    class Spy extends MemoryStore {
      override fetch(d: Descriptor, o?: FetchOptions): Promise<Readable> {
        if (d.digest === desc.digest) offsets.push(o?.offset ?? 0);
        return src.fetch(d, o);
      }
      override resolve(r: string): Promise<Descriptor> {
        return src.resolve(r);
      }
    }
    const events: CopyEvent[] = [];
    await copyImage(new Spy(), 'v1', layout, { tag: 'v1', onEvent: (e) => events.push(e) });
    expect(offsets).toEqual([40_000]);
    expect(events).toContainEqual({ type: 'download-resumed', digest: desc.digest, size: desc.size, offset: 40_000 });
    expect(await fetchBytes(layout, desc, { cap: 1 << 20 })).toEqual(bytes);
  });

  it('copyGraph copies a bare blob root too', async () => {
    const img = await randomImage({ layers: 1 });
    const src = new MemoryStore();
    await storeImage(src, [img.config]);
    const dst = new MemoryStore();
    const r = await copyGraph(src, dst, img.config.desc);
    expect(r.blobs.copied).toBe(1);
  });

  it('preferPlatform takes the matching entry, and copies the whole index when none matches', async () => {
    const src = new MemoryStore();
    const idx = await randomIndex([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }], { layers: 1, size: 500 });
    await storeImage(src, idx.blobs, 'm');
    const one = await copyImage(src, 'm', new MemoryStore(), { preferPlatform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    expect(one.root.digest).toBe(idx.images[1]!.manifest.desc.digest);
    const all = await copyImage(src, 'm', new MemoryStore(), { preferPlatform: { os: 'windows', architecture: 'amd64' } });
    expect(all.root.digest).toBe(idx.index.desc.digest);
  });

  it('fetches a root it reads to choose a platform only once', async () => {
    const fetched: string[] = [];
    const src = new (class extends MemoryStore {
      override async fetch(desc: Descriptor, opts?: FetchOptions): Promise<Readable> {
        fetched.push(desc.digest);
        return super.fetch(desc, opts);
      }
    })();
    const img = await randomImage({ layers: 1, size: 500 });
    await storeImage(src, img.blobs, 'v1');
    await copyImage(src, 'v1', new MemoryStore(), { preferPlatform: { os: 'linux', architecture: 'amd64' } });
    expect(fetched.filter((d) => d === img.manifest.desc.digest)).toHaveLength(1);
    expect(fetched).toHaveLength(3);
  });
});
