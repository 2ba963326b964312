import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { copyAllTags, namingTag } from '../../src/copy/all-tags.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { CopyError, RegistryError, UsageError } from '../../src/errors/errors.js';
import { referrersOf } from '../../src/copy/discover.js';
import { attach } from '../../src/copy/attach.js';
import { copy } from '../../src/copy/api.js';
import type { CopyEvent } from '../../src/copy/events.js';
import { openLocalSource } from '../../src/content/local.js';
import { type FaultProxy, startFaultProxy, startWithoutReferrersApi } from '../helpers/fault-proxy.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';

const opts = { journal: false as const };

/** The registry behind a proxy that hides its referrers API, like docker-registry 2.8: fallback tags. */
const withoutReferrersApi = (reg: TestRegistry): Promise<FaultProxy> => startWithoutReferrersApi(reg.host);

const skipped = (events: CopyEvent[]): CopyEvent[] => events.filter((e) => e.type === 'tag-skipped');

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
      await expect(copyAllTags(`${reg.host}/all/src`, `${proxy.host}/all/partial`, opts)).rejects.toThrow(new RegExp(`^tag v2: destination: .*manifest ${digests.v2}`));
    } finally {
      await proxy.close();
    }
    expect((await new RemoteRepository(reg.host, 'all/partial', opts).tags()).sort()).toEqual(['stable', 'v1']);
  });

  it('skips referrers fallback tags (sha256-<hex>) with an event; cosign-style sha256-<hex>.sig tags are images and go', async () => {
    const plain = await withoutReferrersApi(reg);
    try {
      const dir = tempDir('dist-all-tags-');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'a'), 'a');
      await writeFile(join(dir, 'b'), 'b');
      const src = new RemoteRepository(reg.host, 'fb/src', opts);
      const v1 = await storeImage(src, (await randomImage({ layers: 1, size: 1024 })).blobs, 'v1');
      const fallbackTag = `sha256-${v1.digest.slice(7)}`;
      await storeImage(src, (await randomImage({ layers: 1, size: 1024 })).blobs, `${fallbackTag}.sig`);
      // the source has a fallback index for v1 (A); the destination has v1 and its own one (B)
      await attach(`${plain.host}/fb/src:v1`, { ...opts, artifactType: 'application/vnd.example.a', files: [{ path: join(dir, 'a') }] });
      expect(await src.tags()).toContain(fallbackTag);
      await copy(`${reg.host}/fb/src:v1`, `${plain.host}/fb/dst:v1`, opts);
      const b = await attach(`${plain.host}/fb/dst:v1`, { ...opts, artifactType: 'application/vnd.example.b', files: [{ path: join(dir, 'b') }] });
      const events: CopyEvent[] = [];
      const r = await copyAllTags(`${plain.host}/fb/src`, `${plain.host}/fb/dst`, { ...opts, onEvent: (e) => events.push(e) });
      expect(r.map((x) => x.tag)).toEqual([`${fallbackTag}.sig`, 'v1']);
      expect(skipped(events)).toEqual([{ type: 'tag-skipped', tag: fallbackTag, reason: expect.stringContaining('--referrers') }]);
      // the destination's fallback index is its own still
      expect((await referrersOf(`${plain.host}/fb/dst:v1`, opts)).referrers.map((d) => d.digest)).toEqual([b.artifact.digest]);
      // a registry with the referrers API gets no stray tag; with --platform the run does not trip on the index
      await copyAllTags(`${plain.host}/fb/src`, `${reg.host}/fb/api`, { ...opts, platform: { os: 'linux', architecture: 'amd64' } });
      expect((await new RemoteRepository(reg.host, 'fb/api', opts).tags()).sort()).toEqual([`${fallbackTag}.sig`, 'v1']);
    } finally {
      await plain.close();
    }
  });

  it('a tag gone between listing and copying is skipped with an event; another failure to resolve stops the run', async () => {
    const answer = (status: number, code: string) => ({ kind: 'respond' as const, status, body: `{"errors":[{"code":"${code}","message":"${code}"}]}` });
    const gone = await startFaultProxy(reg.host, (req) => ((req.url ?? '').endsWith('/manifests/v2') ? answer(404, 'MANIFEST_UNKNOWN') : { kind: 'pass' }));
    const denied = await startFaultProxy(reg.host, (req) => ((req.url ?? '').endsWith('/manifests/v2') ? answer(403, 'DENIED') : { kind: 'pass' }));
    try {
      const events: CopyEvent[] = [];
      const r = await copyAllTags(`${gone.host}/all/src`, `${reg.host}/all/live`, { ...opts, onEvent: (e) => events.push(e) });
      expect(r.map((x) => x.tag)).toEqual(['stable', 'v1', 'v3']);
      expect(skipped(events)).toEqual([{ type: 'tag-skipped', tag: 'v2', reason: expect.stringMatching(/gone/) }]);
      await expect(copyAllTags(`${denied.host}/all/src`, `${reg.host}/all/denied`, opts)).rejects.toMatchObject({ code: 'COPY', side: 'source', message: expect.stringMatching(/^tag v2: source: v2: manifest all\/src:v2: HTTP 403/) });
      expect((await new RemoteRepository(reg.host, 'all/denied', opts).tags()).sort()).toEqual(['stable', 'v1']);
    } finally {
      await gone.close();
      await denied.close();
    }
  });

  it('namingTag keeps class, code, side and cause: the exit code is the same', () => {
    const errors = [new RegistryError('MANIFEST_UNKNOWN'), new UsageError('bad'), new CopyError('destination', 'x', { cause: new RegistryError('DENIED') }), Object.assign(new Error('gone'), { code: 'ENOENT' })];
    for (const e of errors) {
      const named = namingTag('v9', e) as Error;
      expect(named).toBeInstanceOf(e.constructor);
      expect([named.message, named.name, named.cause, (named as { code?: string }).code]).toEqual([`tag v9: ${e.message}`, e.name, e.cause, (e as { code?: string }).code]);
      expect(exitCodeFor(named)).toBe(exitCodeFor(e));
      expect(exitCodeFor(named)).not.toBe(1);
    }
  });

  it('results come as each tag is done into a registry; an archive is written whole or not at all', async () => {
    const seen: string[] = [];
    await copyAllTags(`${reg.host}/all/src`, `${reg.host}/all/stream`, { ...opts, onResult: (r) => seen.push(r.tag), onEvent: (e) => e.type === 'tagged' && seen.push(`tagged ${e.reference}`) });
    expect(seen).toEqual(['stable', 'v1', 'v2', 'v3'].flatMap((t) => [`tagged ${t}`, t]));
    const denied = await startFaultProxy(reg.host, (req) =>
      (req.url ?? '').endsWith('/manifests/v2') ? { kind: 'respond', status: 403, body: '{"errors":[{"code":"DENIED","message":"no"}]}' } : { kind: 'pass' });
    try {
      const dir = tempDir('dist-all-tags-');
      const results: string[] = [];
      await expect(copyAllTags(`${denied.host}/all/src`, join(dir, 'all.tar'), { ...opts, format: 'oci-archive', onResult: (r) => results.push(r.tag) })).rejects.toThrow(/^tag v2: /);
      expect(results).toEqual([]);
      expect(await (await import('node:fs/promises')).readdir(dir)).toEqual([]);
    } finally {
      await denied.close();
    }
  });
});
