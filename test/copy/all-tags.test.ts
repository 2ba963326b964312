import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { copyAllTags } from '../../src/copy/all-tags.js';
import { referrersOf } from '../../src/copy/discover.js';
import { attach } from '../../src/copy/attach.js';
import { openLocalSource } from '../../src/content/local.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';

const opts = { journal: false as const };

describe('copy --all-tags', () => {
  let reg: TestRegistry;
  const digests: Record<string, string> = {};
  beforeAll(async () => {
    reg = await startRegistry();
    const repo = new RemoteRepository(reg.host, 'all/src', opts);
    // three images, four tags (two tags share one image), shared config-free blobs differ per image
    for (const tag of ['v1', 'v2', 'v3']) digests[tag] = (await storeImage(repo, (await randomImage({ layers: 2, size: 1024 })).blobs, tag)).digest;
    await repo.tag({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digests.v1 as never, size: 0 }, 'stable');
    digests.stable = digests.v1!;
  });
  afterAll(() => reg.close());

  it('copies every tag between registries, each under its own name, in sorted order', async () => {
    const r = await copyAllTags(`${reg.host}/all/src`, `${reg.host}/all/dst`, opts);
    expect(r.map((x) => [x.sourceReference, x.tag, x.root.digest])).toEqual(
      ['stable', 'v1', 'v2', 'v3'].map((t) => [`${reg.host}/all/src:${t}`, t, digests[t]]),
    );
    // the second tag of one image moves no blob
    expect(r[1]!.blobs.copied + r[1]!.blobs.mounted).toBe(0);
    const dst = new RemoteRepository(reg.host, 'all/dst', opts);
    expect((await dst.tags()).sort()).toEqual(['stable', 'v1', 'v2', 'v3']);
    for (const t of ['stable', 'v1', 'v2', 'v3']) expect((await dst.resolve(t)).digest).toBe(digests[t]);
  });

  it('registry → layout → registry keeps every tag and digest; an OCI archive holds them all', async () => {
    const layout = join(tempDir('dist-all-tags-'), 'mirror');
    await copyAllTags(`${reg.host}/all/src`, layout, opts);
    const src = (await openLocalSource(layout)).target as unknown as { tags(): Promise<string[]> };
    expect((await src.tags()).sort()).toEqual(['stable', 'v1', 'v2', 'v3']);
    const back = await copyAllTags(layout, `${reg.host}/all/back`, opts);
    expect(back.map((x) => x.root.digest)).toEqual(['stable', 'v1', 'v2', 'v3'].map((t) => digests[t]));
    const tar = join(tempDir('dist-all-tags-'), 'mirror.tar');
    await copyAllTags(`${reg.host}/all/src`, tar, { ...opts, format: 'oci-archive' });
    const arch = (await openLocalSource(tar)).target as unknown as { tags(): Promise<string[]> };
    expect((await arch.tags()).sort()).toEqual(['stable', 'v1', 'v2', 'v3']);
  });

  it('with --referrers, each image brings its referrers', async () => {
    const file = join(tempDir('dist-all-tags-'), 'sig.txt');
    await (await import('node:fs/promises')).writeFile(file, 'sig');
    const a = await attach(`${reg.host}/all/src:v2`, { ...opts, artifactType: 'application/vnd.example.sig', files: [{ path: file }] });
    const r = await copyAllTags(`${reg.host}/all/src`, `${reg.host}/all/signed`, { ...opts, referrers: true });
    expect(r.map((x) => x.referrers?.copied)).toEqual([0, 0, 1, 0]);
    expect((await referrersOf(`${reg.host}/all/signed:v2`, opts)).referrers.map((d) => d.digest)).toEqual([a.artifact.digest]);
  });

  it('refuses a tagged source or destination, and names the tag that failed', async () => {
    await expect(copyAllTags(`${reg.host}/all/src:v1`, `${reg.host}/all/x`, opts)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(copyAllTags(`${reg.host}/all/src`, `${reg.host}/all/x:v1`, opts)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(copyAllTags(`${reg.host}/all/none`, `${reg.host}/all/x`, opts)).rejects.toMatchObject({ code: 'COPY' });
    // the destination refuses the manifest of v2: v1 and stable are there, v2 is named, v3 was not tried
    const proxy = await startFaultProxy(reg.host, (req) =>
      req.method === 'PUT' && (req.url ?? '').includes(`/manifests/${digests.v2}`) ? { kind: 'respond', status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}' } : { kind: 'pass' });
    try {
      await expect(copyAllTags(`${reg.host}/all/src`, `${proxy.host}/all/partial`, opts)).rejects.toThrow(new RegExp(`manifest ${digests.v2}`));
    } finally {
      await proxy.close();
    }
    expect((await new RemoteRepository(reg.host, 'all/partial', opts).tags()).sort()).toEqual(['stable', 'v1']);
  });
});
