import { Readable } from 'node:stream';
import { join } from 'node:path';
import { buffer as readAll } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRegistry } from '../../src/client/registry.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { UploadJournal } from '../../src/client/journal.js';
import { startDistribution, type RunningDistribution } from '../helpers/distribution.js';
import { tinyImage } from '../helpers/tiny-image.js';
import { tempDir } from '../helpers/temp.js';

describe('RemoteRepository against docker-registry 2.8', () => {
  let reg: RunningDistribution;
  let state: string;
  beforeAll(async () => {
    reg = await startDistribution();
    state = tempDir('dist-state-');
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('pushes blobs (monolithic and chunked) and a manifest, then reads them back', async () => {
    const img = tinyImage([1000, 3 * 1024 * 1024 + 17]);
    const repo = new RemoteRepository(reg.host, 'core/one', { chunkSize: 1024 * 1024, journal: new UploadJournal(state) });
    for (const b of [img.config, ...img.layers]) {
      expect(await repo.exists(b.desc)).toBe(false);
      const seen: number[] = [];
      await repo.push(b.desc, Readable.from([b.bytes]), { onProgress: (n) => seen.push(n) });
      expect(seen.at(-1)).toBe(b.desc.size);
      expect(await repo.exists(b.desc)).toBe(true);
    }
    await repo.pushManifest(img.manifest.desc, img.manifest.bytes, ['v1']);
    const d = await repo.resolve('v1');
    expect(d).toEqual(img.manifest.desc);
    const m = await repo.fetchManifest('v1');
    expect(m.bytes.equals(img.manifest.bytes)).toBe(true);
    const big = img.layers[1]!;
    expect((await readAll(await repo.fetch(big.desc))).equals(big.bytes)).toBe(true);
    const tail = await readAll(await repo.fetch(big.desc, { offset: 1000 }));
    expect(tail.equals(big.bytes.subarray(1000))).toBe(true);
  });

  it('tags, lists tags, mounts across repositories, deletes by tag, lists the catalog', async () => {
    const img = tinyImage([2048]);
    const a = new RemoteRepository(reg.host, 'core/src', { journal: false });
    for (const b of [img.config, ...img.layers]) await a.push(b.desc, Readable.from([b.bytes]));
    await a.pushManifest(img.manifest.desc, img.manifest.bytes, ['one']);
    await a.tag(img.manifest.desc, 'two');
    expect((await a.tags()).sort()).toEqual(['one', 'two']);
    const b = new RemoteRepository(reg.host, 'core/dst', { journal: false, client: a.client });
    expect(await b.mount(img.layers[0]!.desc, 'core/src')).toBe(true);
    expect(await b.exists(img.layers[0]!.desc)).toBe(true);
    const deleted = await a.deleteManifest('one');
    expect(deleted).toBe(img.manifest.desc.digest);
    await expect(a.resolve('two')).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
    const cat = await new RemoteRegistry(reg.host).catalog({ pageSize: 1 });
    expect(cat).toEqual(expect.arrayContaining(['core/dst', 'core/src']));
  });
});
