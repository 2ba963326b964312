import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { copy, pull, push } from '../../src/copy/api.js';
import { attach, EMPTY_DESCRIPTOR } from '../../src/copy/attach.js';
import { referrersOf } from '../../src/copy/discover.js';
import type { CopyEvent } from '../../src/copy/events.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import type { Descriptor } from '../../src/oci/types.js';
import { type FaultProxy, startWithoutReferrersApi } from '../helpers/fault-proxy.js';
import { randomImage, randomIndex, storeImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';

const opts = { journal: false as const };
const fixed = (): Date => new Date('2026-01-02T03:04:05.000Z');

/** `dist serve` behind a proxy that hides its referrers API, like docker-registry 2.8: no /referrers/, no OCI-Subject. */
const withoutReferrersApi = (reg: TestRegistry): Promise<FaultProxy> => startWithoutReferrersApi(reg.host);

async function seed(reg: { host: string }, repo: string, tag: string): Promise<Descriptor> {
  const img = await randomImage({ layers: 1, size: 2048 });
  return storeImage(new RemoteRepository(reg.host, repo, opts), img.blobs, tag);
}

async function fileWith(dir: string, name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

describe('referrers: attach, list, carry', () => {
  let reg: TestRegistry;
  let plain: FaultProxy;
  let dir: string;
  beforeAll(async () => {
    reg = await startRegistry();
    plain = await withoutReferrersApi(reg);
    dir = tempDir('dist-referrers-');
  });
  afterAll(async () => {
    await plain.close();
    await reg.close();
  });

  it('attach builds an OCI 1.1 artifact manifest on the subject; the registry lists it and no fallback tag is made', async () => {
    const subject = await seed(reg, 'r/api', 'v1');
    const sbom = await fileWith(dir, 'sbom.spdx.json', '{"spdxVersion":"SPDX-2.3"}');
    const r = await attach(`${reg.host}/r/api:v1`, { ...opts, artifactType: 'application/spdx+json', files: [{ path: sbom, mediaType: 'application/spdx+json' }], annotations: { 'org.example.k': 'v' }, now: fixed });
    expect(r.subject).toMatchObject({ digest: subject.digest, mediaType: subject.mediaType, size: subject.size });
    const repo = new RemoteRepository(reg.host, 'r/api', opts);
    const m = JSON.parse((await repo.fetchManifest(r.artifact.digest)).bytes.toString('utf8'));
    expect(m).toEqual({
      schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: 'application/spdx+json', config: EMPTY_DESCRIPTOR,
      layers: [{ mediaType: 'application/spdx+json', digest: expect.stringMatching(/^sha256:/), size: 26, annotations: { 'org.opencontainers.image.title': 'sbom.spdx.json' } }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: { 'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z', 'org.example.k': 'v' },
    });
    // inspect shows what the artifact is, its subject, and each file's name
    const { inspectTarget, formatSummary } = await import('../../src/client/summary.js');
    const res = await inspectTarget(repo, r.artifact, { reference: `${reg.host}/r/api@${r.artifact.digest}` });
    const text = res.kind === 'summary' ? formatSummary(res.summary) : '';
    expect(text).toMatch(/^Artifact: +application\/spdx\+json$/m);
    expect(text).toMatch(new RegExp(`^Subject: +${subject.digest}$`, 'm'));
    expect(text).toMatch(/^ +1 +sha256:[0-9a-f]{64} +26 B +application\/spdx\+json +sbom\.spdx\.json$/m);
    const listed = await referrersOf(`${reg.host}/r/api:v1`, opts);
    expect(listed.referrers).toEqual([{ ...r.artifact, annotations: m.annotations }]);
    expect(await repo.tags()).toEqual(['v1']); // the registry indexes referrers itself
  });

  it('an artifact without files has the empty descriptor as its only layer', async () => {
    await seed(reg, 'r/empty', 'v1');
    const r = await attach(`${reg.host}/r/empty:v1`, { ...opts, artifactType: 'application/vnd.example.note', now: fixed });
    const m = JSON.parse((await new RemoteRepository(reg.host, 'r/empty', opts).fetchManifest(r.artifact.digest)).bytes.toString('utf8'));
    expect(m.layers).toEqual([EMPTY_DESCRIPTOR]);
  });

  it('without a referrers API, attach keeps the fallback tag index, and listing reads it back', async () => {
    const subject = await seed(plain, 'r/fallback', 'v1');
    const a = await attach(`${plain.host}/r/fallback:v1`, { ...opts, artifactType: 'application/vnd.example.sig', files: [{ path: await fileWith(dir, 'a.sig', 'sig-a') }], now: fixed });
    const b = await attach(`${plain.host}/r/fallback@${subject.digest}`, { ...opts, artifactType: 'application/vnd.example.sbom', files: [{ path: await fileWith(dir, 'b.json', '{}') }], now: fixed });
    const repo = new RemoteRepository(plain.host, 'r/fallback', opts);
    const tag = `sha256-${subject.digest.slice(7)}`;
    expect((await repo.tags()).sort()).toEqual([tag, 'v1']);
    const index = JSON.parse((await repo.fetchManifest(tag)).bytes.toString('utf8'));
    expect(index.mediaType).toBe(MediaType.OciIndex);
    expect(index.manifests.map((d: Descriptor) => [d.digest, d.artifactType])).toEqual([
      [a.artifact.digest, 'application/vnd.example.sig'],
      [b.artifact.digest, 'application/vnd.example.sbom'],
    ]);
    expect(index.manifests[0].annotations).toEqual({ 'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z' });
    const listed = await referrersOf(`${plain.host}/r/fallback:v1`, { ...opts, artifactType: 'application/vnd.example.sbom' });
    expect(listed.referrers.map((d) => d.digest)).toEqual([b.artifact.digest]);
  });

  it('deleting a referrer takes it out of the fallback index; deleting the last one removes the tag', async () => {
    const subject = await seed(plain, 'r/del', 'v1');
    const a = await attach(`${plain.host}/r/del:v1`, { ...opts, artifactType: 'text/plain', files: [{ path: await fileWith(dir, 'del-a.txt', 'a') }], now: fixed });
    const b = await attach(`${plain.host}/r/del:v1`, { ...opts, artifactType: 'text/plain', files: [{ path: await fileWith(dir, 'del-b.txt', 'b') }], now: fixed });
    const repo = new RemoteRepository(plain.host, 'r/del', opts);
    const tag = `sha256-${subject.digest.slice(7)}`;
    await repo.deleteManifest(a.artifact.digest);
    expect((await repo.tags()).sort()).toEqual([tag, 'v1']);
    expect((await referrersOf(`${plain.host}/r/del:v1`, opts)).referrers.map((d) => d.digest)).toEqual([b.artifact.digest]);
    await repo.deleteManifest(b.artifact.digest);
    expect(await repo.tags()).toEqual(['v1']);
    expect((await referrersOf(`${plain.host}/r/del:v1`, opts)).referrers).toEqual([]);
  });

  it('an index update deletes the revision it replaced; a delete whose index update fails says the manifest is gone', async () => {
    const subject = await seed(plain, 'r/orphan', 'v1');
    const repo = new RemoteRepository(plain.host, 'r/orphan', opts);
    const tag = `sha256-${subject.digest.slice(7)}`;
    const a = await attach(`${plain.host}/r/orphan:v1`, { ...opts, artifactType: 'text/plain', files: [{ path: await fileWith(dir, 'o-a.txt', 'a') }], now: fixed });
    const first = (await repo.resolve(tag)).digest;
    await attach(`${plain.host}/r/orphan:v1`, { ...opts, artifactType: 'text/plain', files: [{ path: await fileWith(dir, 'o-b.txt', 'b') }], now: fixed });
    expect((await repo.resolve(tag)).digest).not.toBe(first);
    await expect(repo.resolve(first)).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
    // someone replaces the index with an image: deleting a referrer cannot update it
    const img = await randomImage({ layers: 1, size: 256 });
    await storeImage(repo, img.blobs, tag);
    const err = await repo.deleteManifest(a.artifact.digest).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PARTIAL', message: expect.stringMatching(new RegExp(`^deleted ${a.artifact.digest}, but ${tag} .* still lists it`)) });
    await expect(repo.resolve(a.artifact.digest)).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
  });

  it('copy --referrers skips what a fallback index lists wrongly: a blob, a manifest about something else, a manifest that is gone', async () => {
    const subject = await seed(plain, 'r/wrong', 'v1');
    const repo = new RemoteRepository(plain.host, 'r/wrong', opts);
    const good = await attach(`${plain.host}/r/wrong:v1`, { ...opts, artifactType: 'text/plain', files: [{ path: await fileWith(dir, 'w.txt', 'w') }], now: fixed });
    const unrelated = await seed(plain, 'r/wrong', 'other');
    const gone = await attach(`${plain.host}/r/wrong:other`, { ...opts, artifactType: 'text/plain', now: fixed });
    const tag = `sha256-${subject.digest.slice(7)}`;
    const index = JSON.parse((await repo.fetchManifest(tag)).bytes.toString('utf8'));
    const layer = JSON.parse((await repo.fetchManifest(subject.digest)).bytes.toString('utf8')).layers[0];
    const misSized = await attach(`${plain.host}/r/wrong:other`, { ...opts, artifactType: 'text/x-sized', now: fixed });
    index.manifests.push({ ...unrelated, artifactType: 'x/y' }, { ...layer, artifactType: 'x/y' }, { ...gone.artifact }, { ...misSized.artifact, size: misSized.artifact.size + 7 });
    await repo.manifests.put(tag, Buffer.from(JSON.stringify(index)), MediaType.OciIndex);
    // deleted after it was listed: the entry goes stale (its subject is `other`, whose index is the one updated)
    await repo.deleteManifest(gone.artifact.digest);
    const events: CopyEvent[] = [];
    const r = await copy(`${plain.host}/r/wrong:v1`, `${reg.host}/r/wrong-copy:v1`, { ...opts, referrers: true, onEvent: (e) => events.push(e) });
    expect(r.referrers).toMatchObject({ copied: 1, skipped: 4 });
    const skipped = events.filter((e) => e.type === 'referrer-skipped') as Array<{ digest: string; reason: string }>;
    expect(skipped.map((e) => [e.digest, e.reason.split(' ')[0]])).toEqual([[unrelated.digest, 'its'], [layer.digest, 'not'], [gone.artifact.digest, 'listed,'], [misSized.artifact.digest, 'listed']]);
    expect((await referrersOf(`${reg.host}/r/wrong-copy:v1`, opts)).referrers.map((d) => d.digest)).toEqual([good.artifact.digest]);
  });

  it('attaching the same artifact twice leaves one entry in the fallback index', async () => {
    await seed(plain, 'r/twice', 'v1');
    const f = await fileWith(dir, 'same.txt', 'same');
    const first = await attach(`${plain.host}/r/twice:v1`, { ...opts, artifactType: 'text/plain', files: [{ path: f }], now: fixed });
    const again = await attach(`${plain.host}/r/twice:v1`, { ...opts, artifactType: 'text/plain', files: [{ path: f }], now: fixed });
    expect(again.artifact.digest).toBe(first.artifact.digest);
    expect((await referrersOf(`${plain.host}/r/twice:v1`, opts)).referrers).toHaveLength(1);
  });

  it('copy --referrers carries referrers at any depth, and digests survive; without it nothing extra moves', async () => {
    await seed(reg, 'r/deep', 'v1');
    const sbom = await attach(`${reg.host}/r/deep:v1`, { ...opts, artifactType: 'application/spdx+json', files: [{ path: await fileWith(dir, 'deep.json', '{"a":1}') }], now: fixed });
    const sig = await attach(`${reg.host}/r/deep@${sbom.artifact.digest}`, { ...opts, artifactType: 'application/vnd.example.sig', files: [{ path: await fileWith(dir, 'deep.sig', 'x') }], now: fixed });

    await copy(`${reg.host}/r/deep:v1`, `${plain.host}/r/bare:v1`, opts);
    expect(await new RemoteRepository(plain.host, 'r/bare', opts).tags()).toEqual(['v1']);

    const events: CopyEvent[] = [];
    const r = await copy(`${reg.host}/r/deep:v1`, `${plain.host}/r/mirror:v1`, { ...opts, referrers: true, onEvent: (e) => events.push(e) });
    expect(r.referrers).toMatchObject({ copied: 2 });
    expect(events.filter((e) => e.type === 'referrer-copied').map((e) => (e as { digest: string }).digest)).toEqual([sbom.artifact.digest, sig.artifact.digest]);
    const top = await referrersOf(`${plain.host}/r/mirror:v1`, opts);
    expect(top.referrers.map((d) => d.digest)).toEqual([sbom.artifact.digest]);
    const nested = await referrersOf(`${plain.host}/r/mirror@${sbom.artifact.digest}`, opts);
    expect(nested.referrers.map((d) => d.digest)).toEqual([sig.artifact.digest]);
  });

  it('copy --referrers of an index carries the referrers of its platform manifests too', async () => {
    const idx = await randomIndex([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], { layers: 1, size: 512 });
    await storeImage(new RemoteRepository(reg.host, 'r/multi', opts), idx.blobs, 'v1');
    const arm = idx.images[1]!.manifest.desc;
    const att = await attach(`${reg.host}/r/multi@${arm.digest}`, { ...opts, artifactType: 'application/vnd.example.provenance', now: fixed });
    const r = await copy(`${reg.host}/r/multi:v1`, `${reg.host}/r/multi-copy:v1`, { ...opts, referrers: true });
    expect(r.referrers?.copied).toBe(1);
    expect((await referrersOf(`${reg.host}/r/multi-copy@${arm.digest}`, opts)).referrers.map((d) => d.digest)).toEqual([att.artifact.digest]);
  });

  it('pull --referrers writes them into the layout (untagged); the layout lists them; push --referrers takes them on', async () => {
    await seed(plain, 'r/air', 'v1');
    const a = await attach(`${plain.host}/r/air:v1`, { ...opts, artifactType: 'application/vnd.example.sig', files: [{ path: await fileWith(dir, 'air.sig', 'air') }], now: fixed });
    const out = join(tempDir('dist-referrers-layout-'), 'air');
    const pulled = await pull(`${plain.host}/r/air:v1`, { ...opts, output: out, referrers: true });
    expect(pulled.referrers?.copied).toBe(1);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
    expect(index.manifests).toEqual([
      expect.objectContaining({ digest: pulled.root.digest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }),
      { mediaType: MediaType.OciManifest, digest: a.artifact.digest, size: a.artifact.size, artifactType: 'application/vnd.example.sig' },
    ]);
    expect((await referrersOf(`${out}:v1`)).referrers.map((d) => d.digest)).toEqual([a.artifact.digest]);
    expect(existsSync(join(out, 'blobs/sha256', a.artifact.digest.slice(7)))).toBe(true);

    // the untagged referrer does not make the layout ambiguous: DIR alone still names the image
    await expect((await OciLayout.open(out)).resolve('')).resolves.toMatchObject({ digest: pulled.root.digest });
    const pushed = await push(`${out}:v1`, `${reg.host}/r/air-back:v1`, { ...opts, referrers: true });
    expect(pushed.referrers?.copied).toBe(1);
    expect((await referrersOf(`${reg.host}/r/air-back:v1`, opts)).referrers.map((d) => d.digest)).toEqual([a.artifact.digest]);
  });

  it('pull --referrers into an OCI archive keeps them listable, with their artifactType', async () => {
    const tar = join(tempDir('dist-referrers-archive-'), 'air.tar');
    const r = await pull(`${plain.host}/r/air:v1`, { ...opts, output: tar, format: 'oci-archive', referrers: true });
    expect(r.referrers?.copied).toBe(1);
    expect((await referrersOf(`oci-archive:${tar}:v1`)).referrers).toEqual([expect.objectContaining({ artifactType: 'application/vnd.example.sig' })]);
  });

  it('attach into an OCI layout records the artifact in index.json', async () => {
    const out = join(tempDir('dist-referrers-attach-'), 'lay');
    await pull(`${reg.host}/r/api:v1`, { ...opts, output: out });
    const r = await attach(`${out}:v1`, { artifactType: 'application/vnd.example.sig', files: [{ path: await fileWith(dir, 'lay.sig', 'l') }], now: fixed });
    const layout = await OciLayout.open(out);
    expect((await layout.index()).manifests.map((d) => d.digest)).toContain(r.artifact.digest);
    expect((await layout.referrers(r.subject.digest)).map((d) => d.digest)).toEqual([r.artifact.digest]);
    // a damaged entry in index.json hides no other referrer
    const idx = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
    idx.manifests.push({ mediaType: MediaType.OciManifest, digest: `sha256:${'1'.repeat(64)}`, size: 10 });
    await writeFile(join(out, 'index.json'), JSON.stringify(idx));
    expect((await (await OciLayout.open(out)).referrers(r.subject.digest)).map((d) => d.digest)).toEqual([r.artifact.digest]);
  });

  it('refuses what it cannot do before anything is written', async () => {
    await seed(reg, 'r/refuse', 'v1');
    const f = await fileWith(dir, 'r.txt', 'r');
    await expect(attach(`${reg.host}/r/refuse:v1`, { ...opts, artifactType: 'not a type', files: [{ path: f }] })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(attach(`${reg.host}/r/refuse`, { ...opts, artifactType: 'text/plain', files: [{ path: f }] })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(attach(`${reg.host}/r/refuse:v1`, { ...opts, artifactType: 'text/plain', files: [{ path: join(dir, 'missing') }] })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(attach(`${reg.host}/r/refuse:nope`, { ...opts, artifactType: 'text/plain', files: [{ path: f }] })).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
    expect((await referrersOf(`${reg.host}/r/refuse:v1`, opts)).referrers).toEqual([]);
    const tar = join(dir, 'out.tar');
    await expect(pull(`${reg.host}/r/refuse:v1`, { ...opts, output: tar, referrers: true })).rejects.toMatchObject({ code: 'USAGE' });
    expect(existsSync(tar)).toBe(false);
  });
});
