import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { referrersTag } from '../../src/client/referrers.js';
import { addToFallbackIndex } from '../../src/client/referrers-fallback.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { attach } from '../../src/copy/attach.js';
import { digestOf, type Digest } from '../../src/digest/digest.js';
import type { Descriptor } from '../../src/oci/types.js';
import { buildOnce } from '../cli/helpers.js';
import { closeAfterEach } from '../helpers/closers.js';
import { type Fault, type FaultProxy, startWithoutReferrersApi } from '../helpers/fault-proxy.js';
import { randomImage, storeImage, type FixtureImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import type { IncomingMessage } from 'node:http';
import { oneLine, runWithin } from './hostile-registry.js';

/**
 * Hostile and edge cases of the client's referrers code (attach, the fallback tag index,
 * copy --referrers). "Legacy" registries are dist serve behind a proxy that hides its referrers
 * API (404 on /referrers/, no OCI-Subject answer), which is how docker-registry 2.8 looks to the client.
 */

const closers = closeAfterEach();
beforeAll(() => buildOnce(), 180_000);

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Legacy {
  /** The proxy: what the client talks to. */
  host: string;
  upstream: TestRegistry;
  proxy: FaultProxy;
  img: FixtureImage;
  /** Upstream repository `r` (no proxy in the way). */
  direct: RemoteRepository;
}

/** dist serve with image `r:v1`, behind a proxy without the referrers API; `fault` may override a request. */
async function legacy(fault: (req: IncomingMessage, n: number) => Fault | undefined = () => undefined): Promise<Legacy> {
  const upstream = await startRegistry();
  closers.push(upstream.close);
  const proxy = await startWithoutReferrersApi(upstream.host, fault);
  closers.push(proxy.close);
  const direct = new RemoteRepository(upstream.host, 'r', { journal: false });
  closers.push(() => direct.client.close());
  const img = await randomImage({ layers: 1, size: 2048 });
  await storeImage(direct, img.blobs, 'v1');
  return { host: proxy.host, upstream, proxy, img, direct };
}

/** Digest the upstream holds under `tag` (undefined: no such tag). */
async function tagDigest(l: Legacy, tag: string): Promise<string | undefined> {
  const d = await l.direct.manifests.head(tag).catch(() => undefined);
  return d?.digest;
}

async function fallbackEntries(l: Legacy, subject: string): Promise<Descriptor[]> {
  const m = await l.direct.manifests.get(referrersTag(subject as Digest));
  return (JSON.parse(m.bytes.toString('utf8')) as { manifests: Descriptor[] }).manifests;
}

const writes = (p: FaultProxy): string[] => p.log.filter((l) => WRITES.has(l.method)).map((l) => `${l.method} ${l.path}`);
const env = (work: string): NodeJS.ProcessEnv => ({ DIST_STATE_DIR: join(work, 'state'), DOCKER_CONFIG: join(work, 'docker') });

async function smallFile(name = 'sbom.json', body = '{"spdxVersion":"SPDX-2.3"}'): Promise<{ work: string; file: string }> {
  const work = tempDir('dist-hostile-ref-');
  const file = join(work, name);
  await writeFile(file, body);
  return { work, file };
}

describe('attach: a fallback tag that is not a referrers index is refused, not overwritten', () => {
  it('a non-index manifest (an image) under sha256-<hex>: one line with the way out, exit 1, the tag untouched', async () => {
    const l = await legacy();
    const tag = referrersTag(l.img.manifest.desc.digest);
    const other = await randomImage({ layers: 1, size: 512 });
    await storeImage(l.direct, other.blobs, tag);
    const { work, file } = await smallFile();
    const r = await runWithin(20_000, ['attach', `${l.host}/r:v1`, file, '--artifact-type', 'application/spdx+json'], env(work));
    expect(r.code).toBe(1);
    // names what the tag holds, and never suggests `dist delete` (by digest: it would take every tag of that manifest along)
    expect(oneLine(r)).toMatch(new RegExp(`^dist: .*r:${tag} is reserved for the referrers index of ${l.img.manifest.desc.digest} \\(OCI 1.1 tag schema\\) but holds ${other.manifest.desc.digest} \\(application/vnd.oci.image.manifest.v1\\+json\\); dist does not overwrite it \\(if that content is wanted, tag it under another name; .*\\)$`));
    expect(oneLine(r)).not.toMatch(/dist delete/);
    expect(r.stdout).toBe('');
    expect(await tagDigest(l, tag)).toBe(other.manifest.desc.digest);
    expect(writes(l.proxy)).not.toContain(`PUT /v2/r/manifests/${tag}`);
  });

  it('garbage under the tag (not JSON, null, an index of non-descriptors): refused the same way, nothing PUT there', async () => {
    const garbage = ['{{{ not json', 'null', JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [{ digest: 'nope' }] }), JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: 'x' })];
    for (const body of garbage) {
      let tag = '';
      const l = await legacy((req) => (tag && (req.url ?? '').endsWith(`/manifests/${tag}`) && (req.method === 'GET' || req.method === 'HEAD')
        ? { kind: 'respond', status: 200, headers: { 'content-type': INDEX, 'content-length': String(Buffer.byteLength(body)) }, body: req.method === 'HEAD' ? '' : body }
        : undefined));
      tag = referrersTag(l.img.manifest.desc.digest);
      const { work, file } = await smallFile();
      const r = await runWithin(20_000, ['attach', `${l.host}/r:v1`, file, '--artifact-type', 'application/spdx+json'], env(work));
      expect(r.code, body).toBe(1);
      expect(oneLine(r), body).toMatch(/is reserved for the referrers index of sha256:[0-9a-f]{64} \(OCI 1.1 tag schema\) but holds sha256:[0-9a-f]{64} /);
      expect(writes(l.proxy), body).not.toContain(`PUT /v2/r/manifests/${tag}`);
      expect(await tagDigest(l, tag), body).toBeUndefined();
      while (closers.length) await closers.pop()!();
    }
  });
});

describe('the fallback tag PUT fails', () => {
  it('500 on every PUT of the fallback tag: attach fails (no "attached" line), no tag, nothing listed', async () => {
    let puts = 0;
    const l = await legacy((req) => {
      if (req.method === 'PUT' && /\/manifests\/sha256-[0-9a-f]{64}$/.test(req.url ?? '')) {
        puts++;
        return { kind: 'respond', status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}' };
      }
      return undefined;
    });
    const { work, file } = await smallFile();
    const r = await runWithin(30_000, ['attach', `${l.host}/r:v1`, file, '--artifact-type', 'application/spdx+json'], env(work));
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(/disk on fire/);
    expect(r.stdout).toBe('');
    expect(puts).toBeGreaterThanOrEqual(1);
    expect(await tagDigest(l, referrersTag(l.img.manifest.desc.digest))).toBeUndefined();
    const listed = await runWithin(10_000, ['referrers', `${l.host}/r:v1`], env(work));
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe('');
  }, 60_000);

  it('copy --referrers that failed on the fallback PUT, run again once the registry heals: the referrer is listed', async () => {
    let failing = true;
    const l = await legacy((req) => (failing && req.method === 'PUT' && /\/manifests\/sha256-[0-9a-f]{64}$/.test(req.url ?? '')
      ? { kind: 'respond', status: 400, body: '{"errors":[{"code":"MANIFEST_INVALID","message":"not today"}]}' }
      : undefined));
    // the source has the referrers API (plain dist serve) and an SBOM attached to the image
    const src = await startRegistry();
    closers.push(src.close);
    const srcRepo = new RemoteRepository(src.host, 's', { journal: false });
    closers.push(() => srcRepo.client.close());
    await storeImage(srcRepo, l.img.blobs, 'v1');
    const { work, file } = await smallFile();
    const a = await attach(`${src.host}/s:v1`, { artifactType: 'application/spdx+json', files: [{ path: file }], journal: false });
    const first = await runWithin(20_000, ['copy', '--referrers', `${src.host}/s:v1`, `${l.host}/r:v1`], env(work));
    expect(first.code).toBe(1);
    expect(oneLine(first)).toMatch(/not today/);
    failing = false;
    const again = await runWithin(20_000, ['--json', 'copy', '--referrers', `${src.host}/s:v1`, `${l.host}/r:v1`], env(work));
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.find((j) => j.type === 'result')).toMatchObject({ referrers: 1 });
    // the artifact was already there (pushed by digest before the index PUT failed): it must still get listed
    expect((await fallbackEntries(l, l.img.manifest.desc.digest)).map((d) => d.digest)).toEqual([a.artifact.digest]);
    const listed = await runWithin(10_000, ['--json', 'referrers', `${l.host}/r:v1`], env(work));
    expect(listed.json.map((j) => j.digest)).toEqual([a.artifact.digest]);
  }, 60_000);
});

describe('copy --referrers over a referrers graph with a cycle', () => {
  it('fallback indexes that list A under B and B under A (and the image under B): each copied once, no loop', async () => {
    const l = await legacy();
    const { work, file } = await smallFile();
    const sbom = await attach(`${l.host}/r:v1`, { artifactType: 'application/spdx+json', files: [{ path: file }], journal: false });
    const sig = await attach(`${l.host}/r@${sbom.artifact.digest}`, { artifactType: 'application/vnd.dev.sig', journal: false });
    const crafted = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [
      { ...sbom.artifact, artifactType: 'application/spdx+json' }, { ...l.img.manifest.desc }, { ...sig.artifact },
    ] }));
    await l.direct.manifests.put(referrersTag(sig.artifact.digest), crafted, INDEX);
    expect((await fallbackEntries(l, sbom.artifact.digest)).map((d) => d.digest)).toEqual([sig.artifact.digest]);

    const dst = await startRegistry();
    closers.push(dst.close);
    const r = await runWithin(20_000, ['--json', 'copy', '--referrers', `${l.host}/r:v1`, `${dst.host}/m:v1`], env(work));
    expect(r.signal, 'copy --referrers still running after 20 s').toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.find((j) => j.type === 'result')).toMatchObject({ digest: l.img.manifest.desc.digest, referrers: 2 });
    const copied = new RemoteRepository(dst.host, 'm', { journal: false });
    closers.push(() => copied.client.close());
    expect((await copied.referrers(l.img.manifest.desc.digest)).map((d) => d.digest)).toEqual([sbom.artifact.digest]);
    expect((await copied.referrers(sbom.artifact.digest)).map((d) => d.digest)).toEqual([sig.artifact.digest]);
    expect(await copied.referrers(sig.artifact.digest)).toEqual([]);

    const out = join(work, 'layout');
    const p = await runWithin(20_000, ['--json', 'pull', '--referrers', `${l.host}/r:v1`, '-o', out], env(work));
    expect(p.code, p.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    expect(index.manifests.map((d) => d.digest).sort()).toEqual([l.img.manifest.desc.digest, sbom.artifact.digest, sig.artifact.digest].sort());
  }, 60_000);
});

describe('attach: bad input is a usage error and pushes nothing', () => {
  it('missing file, directory, bad --artifact-type, bad FILE:type, no tag or digest, missing --artifact-type: exit 2, no write', async () => {
    const l = await legacy();
    const { work, file } = await smallFile();
    const layoutDir = join(work, 'layout');
    await storeImage(await OciLayout.open(layoutDir), l.img.blobs, 'v1');
    const layoutIndex = await readFile(join(layoutDir, 'index.json'));
    const ref = `${l.host}/r:v1`;
    // [what, argv, message, commander's own error (two lines: the error and the --help pointer)]
    const cases: Array<[string, string[], RegExp, boolean?]> = [
      ['missing file', ['attach', ref, join(work, 'nope.json'), '--artifact-type', 'a/b'], /nope\.json: no such file/],
      ['directory', ['attach', ref, work, '--artifact-type', 'a/b'], /not a regular file/],
      ['one good file, one directory', ['attach', ref, file, work, '--artifact-type', 'a/b'], /not a regular file/],
      ['bad --artifact-type', ['attach', ref, file, '--artifact-type', 'not a type'], /--artifact-type "not a type"/],
      ['empty --artifact-type', ['attach', ref, file, '--artifact-type', ''], /--artifact-type/],
      ['bad FILE:type', ['attach', ref, `${file}:not/a type`, '--artifact-type', 'a/b'], /is not a media type/],
      ['empty FILE:type', ['attach', ref, `${file}:`, '--artifact-type', 'a/b'], /is not a media type/],
      ['no tag or digest', ['attach', `${l.host}/r`, file, '--artifact-type', 'a/b'], /:tag or @digest/],
      ['layout without tag', ['attach', layoutDir, file, '--artifact-type', 'a/b'], /:tag or @digest/],
      ['bad annotation', ['attach', ref, file, '--artifact-type', 'a/b', '-a', 'novalue'], /--annotation "novalue"/],
      ['no --artifact-type', ['attach', ref, file], /required option '--artifact-type <type>' not specified/, true],
    ];
    for (const [what, args, message, commander] of cases) {
      const before = l.proxy.log.length;
      const r = await runWithin(15_000, args, env(work));
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      if (!commander) expect(oneLine(r), what).toMatch(/^dist: /);
      expect(r.stderr, what).toMatch(message);
      expect(writes({ ...l.proxy, log: l.proxy.log.slice(before) }), what).toEqual([]);
    }
    expect(await l.direct.tags()).toEqual(['v1']);
    expect(await readFile(join(layoutDir, 'index.json'))).toEqual(layoutIndex);
  }, 120_000);

  it('a file that changes between hashing and upload: the push fails, no blob under the old digest, no artifact', async () => {
    const work = tempDir('dist-hostile-ref-');
    const file = join(work, 'big.bin');
    const original = randomBytes(4 * 1024 * 1024);
    await writeFile(file, original);
    const oldDigest = digestOf(original);
    const changed = randomBytes(original.length);
    let swapped = false;
    // the client asks whether the blob exists after hashing and before reading it for the upload: change it then
    const l = await legacy((req) => {
      if (!swapped && req.method === 'HEAD' && (req.url ?? '').endsWith(`/blobs/${oldDigest}`)) {
        writeFileSync(file, changed);
        swapped = true;
      }
      return undefined;
    });
    const r = await runWithin(20_000, ['attach', `${l.host}/r:v1`, file, '--artifact-type', 'application/octet-stream'], env(work));
    expect(swapped).toBe(true);
    expect(r.code).toBe(5);
    expect(oneLine(r)).toMatch(new RegExp(oldDigest));
    expect(await l.direct.blobs.stat(oldDigest)).toBeUndefined();
    expect(await l.direct.blobs.stat(digestOf(changed))).toBeUndefined();
    expect(writes(l.proxy).filter((w) => w.includes('/manifests/'))).toEqual([]);
    expect(await tagDigest(l, referrersTag(l.img.manifest.desc.digest))).toBeUndefined();
  }, 60_000);
});

describe('--referrers into a docker-archive', () => {
  it('pull and copy to FILE.tar (or --format docker-archive): exit 2, no file left, an existing file untouched', async () => {
    const l = await legacy();
    const work = tempDir('dist-hostile-ref-');
    const out = join(work, 'out');
    await mkdir(out);
    const existing = join(out, 'keep.tar');
    await writeFile(existing, 'precious');
    const runs: string[][] = [
      ['pull', '--referrers', `${l.host}/r:v1`, '-o', join(out, 'img.tar')],
      ['copy', '--referrers', `${l.host}/r:v1`, join(out, 'copy.tar')],
      ['pull', '--referrers', '--format', 'docker-archive', `${l.host}/r:v1`, '-o', join(out, 'dir-like')],
      ['pull', '--referrers', `${l.host}/r:v1`, '-o', existing],
    ];
    for (const args of runs) {
      const r = await runWithin(15_000, args, env(work));
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(oneLine(r)).toMatch(/--referrers: a docker-archive cannot hold referrers/);
    }
    expect((await readdir(out)).sort()).toEqual(['keep.tar']);
    expect(await readFile(existing, 'utf8')).toBe('precious');
  }, 60_000);
});

/** `n` small artifact manifests (empty config and layer, pushed to `repo`), with `subject` when given. */
async function artifacts(repo: RemoteRepository, n: number, subject?: Descriptor): Promise<Array<{ desc: Descriptor; bytes: Buffer }>> {
  const empty = { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(Buffer.from('{}')), size: 2 };
  await storeImage(repo, [{ desc: empty, bytes: Buffer.from('{}') }]);
  return Array.from({ length: n }, (_, i) => {
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, artifactType: `x/t${i}`, config: empty, layers: [empty], ...(subject ? { subject } : {}) }));
    return { desc: { mediaType: MANIFEST, digest: digestOf(bytes), size: bytes.length, artifactType: `x/t${i}` }, bytes };
  });
}

describe('addToFallbackIndex from one process', () => {
  it('eight concurrent additions for one subject (two clients) keep all eight, in call order; a refused one does not block the rest', async () => {
    let putsToTag = 0;
    const l = await legacy((req) => (req.method === 'PUT' && /\/manifests\/sha256-[0-9a-f]{64}$/.test(req.url ?? '') && ++putsToTag === 3
      ? { kind: 'respond', status: 400, body: '{"errors":[{"code":"MANIFEST_INVALID","message":"refused once"}]}' }
      : undefined));
    const a = new RemoteRepository(l.host, 'r', { journal: false });
    const b = new RemoteRepository(l.host, 'r', { journal: false });
    closers.push(() => a.client.close(), () => b.client.close());
    const subject = l.img.manifest.desc.digest;
    // dist serve checks that an index's manifests exist: eight real (subject-less) manifests
    const entries: Descriptor[] = [];
    for (const m of await artifacts(l.direct, 8)) {
      await l.direct.push(m.desc, Readable.from([m.bytes]));
      entries.push({ ...m.desc, annotations: { n: String(entries.length) } });
    }
    const results = await Promise.allSettled(entries.map((e, i) => addToFallbackIndex((i % 2 ? b : a).context, subject, e)));
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const kept = entries.filter((_, i) => i !== 2);
    expect(await fallbackEntries(l, subject)).toEqual(kept);
    // adding one already listed: no PUT, same index
    const before = putsToTag;
    expect(await addToFallbackIndex(a.context, subject, entries[0]!)).toBe(false);
    expect(putsToTag).toBe(before);
  });

  it('referrer manifests pushed concurrently through one repository all land in the fallback index', async () => {
    const l = await legacy();
    const repo = new RemoteRepository(l.host, 'r', { journal: false });
    closers.push(() => repo.client.close());
    const subject = { mediaType: MANIFEST, digest: l.img.manifest.desc.digest, size: l.img.manifest.desc.size };
    const manifests = await artifacts(repo, 6, subject);
    await Promise.all(manifests.map((m) => repo.push(m.desc, Readable.from([m.bytes]))));
    const listed = await fallbackEntries(l, subject.digest);
    expect(listed.map((d) => d.digest).sort()).toEqual(manifests.map((m) => m.desc.digest).sort());
    expect(listed.map((d) => d.artifactType).sort()).toEqual(manifests.map((_, i) => `x/t${i}`).sort());
  });
});
