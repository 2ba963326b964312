import { beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { OCI_INDEX, OCI_MANIFEST, errorCode, makeImage, pushBlob, pushImage, putManifest, raw, sha } from './util.js';

const reg = shared(startRegistry);
const TAGS = ['1.0', '1.1', '2.0', 'latest', 'A', '_x'];
let subject: ReturnType<typeof makeImage>;
beforeAll(async () => {
  const img = makeImage();
  await pushImage(reg.url, 'list/tags', img, TAGS[0]!);
  for (const t of TAGS.slice(1)) await putManifest(reg.url, 'list/tags', t, img.manifest);
  for (const r of ['b/one', 'a/two', 'c', 'a/two/nested', 'zz']) await pushImage(reg.url, r, img, 'v1');
  subject = makeImage();
  await pushImage(reg.url, 'ref/repo', subject, 'v1');
});

const sorted = [...TAGS].sort();

describe('tags/list', () => {
  it('lists every tag, byte-sorted', async () => {
    const r = await raw(reg.url, 'GET', '/v2/list/tags/tags/list');
    expect(r.status).toBe(200);
    expect(r.header('content-type')).toBe('application/json');
    expect(r.json()).toEqual({ name: 'list/tags', tags: sorted });
    expect(r.header('link')).toBeUndefined();
  });

  it('paginates with n/last and a relative Link', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/v2/list/tags/tags/list?n=2';
    let pages = 0;
    while (path) {
      const r = await raw(reg.url, 'GET', path);
      const body = r.json<{ tags: string[] }>();
      expect(body.tags.length).toBeLessThanOrEqual(2);
      seen.push(...body.tags);
      const link = r.header('link');
      path = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : undefined;
      if (path) expect(path.startsWith('/v2/list/tags/tags/list?n=2&last=')).toBe(true);
      pages++;
    }
    expect(seen).toEqual(sorted);
    expect(pages).toBe(3);
  });

  it('last is exclusive; n=0 → empty and no Link', async () => {
    expect((await raw(reg.url, 'GET', '/v2/list/tags/tags/list?last=2.0')).json()).toEqual({ name: 'list/tags', tags: ['A', '_x', 'latest'] });
    const z = await raw(reg.url, 'GET', '/v2/list/tags/tags/list?n=0');
    expect(z.json()).toEqual({ name: 'list/tags', tags: [] });
    expect(z.header('link')).toBeUndefined();
  });

  it.each(['-1', 'abc', '1.5'])('n=%s → 400 PAGINATION_NUMBER_INVALID', async (n) => {
    const r = await raw(reg.url, 'GET', `/v2/list/tags/tags/list?n=${n}`);
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('PAGINATION_NUMBER_INVALID');
  });

  it('unknown repository → 404 NAME_UNKNOWN; a repo with only blobs → empty list', async () => {
    const r = await raw(reg.url, 'GET', '/v2/no/such/tags/list');
    expect(r.status).toBe(404);
    expect(errorCode(r)).toBe('NAME_UNKNOWN');
    await pushBlob(reg.url, 'only/blobs', Buffer.from('x'));
    expect((await raw(reg.url, 'GET', '/v2/only/blobs/tags/list')).json()).toEqual({ name: 'only/blobs', tags: [] });
  });
});

describe('_catalog', () => {
  it('lists repositories sorted, nested ones included', async () => {
    const r = await raw(reg.url, 'GET', '/v2/_catalog');
    const repos = r.json<{ repositories: string[] }>().repositories;
    expect(repos).toEqual(['a/two', 'a/two/nested', 'b/one', 'c', 'list/tags', 'ref/repo', 'zz']);
  });

  it('paginates with n/last and Link', async () => {
    const r = await raw(reg.url, 'GET', '/v2/_catalog?n=3');
    expect(r.json()).toEqual({ repositories: ['a/two', 'a/two/nested', 'b/one'] });
    expect(r.header('link')).toBe('</v2/_catalog?n=3&last=b%2Fone>; rel="next"');
    const r2 = await raw(reg.url, 'GET', '/v2/_catalog?n=3&last=b%2Fone');
    expect(r2.json()).toEqual({ repositories: ['c', 'list/tags', 'ref/repo'] });
    const r3 = await raw(reg.url, 'GET', '/v2/_catalog?n=3&last=ref/repo');
    expect(r3.json()).toEqual({ repositories: ['zz'] });
    expect(r3.header('link')).toBeUndefined();
  });

  it('n above 1000 or malformed → 400 PAGINATION_NUMBER_INVALID', async () => {
    expect(errorCode(await raw(reg.url, 'GET', '/v2/_catalog?n=1001'))).toBe('PAGINATION_NUMBER_INVALID');
    expect((await raw(reg.url, 'GET', '/v2/_catalog?n=x')).status).toBe(400);
  });
});

describe('referrers', () => {
  it('lists manifests whose subject is the digest, filters by artifactType', async () => {
    const sub = { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.manifest.length };
    const sig = makeImage({ extra: { subject: sub, artifactType: 'application/x.sig', annotations: { k: 'v' } } });
    const sbom = makeImage({ configType: 'application/x.sbom.config', extra: { subject: sub } });
    const put = await pushImage(reg.url, 'ref/repo', sig, sig.digest);
    expect(put.header('oci-subject')).toBe(subject.digest);
    await pushImage(reg.url, 'ref/repo', sbom, sbom.digest);
    const idx = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, artifactType: 'application/x.idx', manifests: [], subject: sub }));
    await putManifest(reg.url, 'ref/repo', sha(idx), idx, OCI_INDEX);

    const r = await raw(reg.url, 'GET', `/v2/ref/repo/referrers/${subject.digest}`);
    expect(r.status).toBe(200);
    expect(r.header('content-type')).toBe(OCI_INDEX);
    const body = r.json<{ schemaVersion: number; mediaType: string; manifests: Array<Record<string, unknown>> }>();
    expect(body.schemaVersion).toBe(2);
    expect(body.mediaType).toBe(OCI_INDEX);
    expect(body.manifests).toHaveLength(3);
    expect(body.manifests).toContainEqual({ mediaType: OCI_MANIFEST, digest: sig.digest, size: sig.manifest.length, artifactType: 'application/x.sig', annotations: { k: 'v' } });
    expect(body.manifests).toContainEqual({ mediaType: OCI_MANIFEST, digest: sbom.digest, size: sbom.manifest.length, artifactType: 'application/x.sbom.config' });
    expect(body.manifests).toContainEqual({ mediaType: OCI_INDEX, digest: sha(idx), size: idx.length, artifactType: 'application/x.idx' });
    expect(r.header('oci-filters-applied')).toBeUndefined();

    const f = await raw(reg.url, 'GET', `/v2/ref/repo/referrers/${subject.digest}?artifactType=application/x.sig`);
    expect(f.header('oci-filters-applied')).toBe('artifactType');
    expect(f.json<{ manifests: Array<{ digest: string }> }>().manifests.map((m) => m.digest)).toEqual([sig.digest]);
  });

  it('no referrers → 200 with an empty list (also for unknown repos); bad digest → 400', async () => {
    const r = await raw(reg.url, 'GET', `/v2/ref/repo/referrers/${sha('nothing')}`);
    expect(r.status).toBe(200);
    expect(r.json<{ manifests: unknown[] }>().manifests).toEqual([]);
    expect((await raw(reg.url, 'GET', `/v2/ref/unknown/referrers/${sha('nothing')}`)).status).toBe(200);
    const bad = await raw(reg.url, 'GET', '/v2/ref/repo/referrers/sha256:zz');
    expect(bad.status).toBe(400);
    expect(errorCode(bad)).toBe('DIGEST_INVALID');
  });

  it('a deleted referrer disappears from the list', async () => {
    const sub = { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.manifest.length };
    const gone = makeImage({ extra: { subject: sub, artifactType: 'application/x.gone' } });
    await pushImage(reg.url, 'ref/repo', gone, gone.digest);
    const q = `/v2/ref/repo/referrers/${subject.digest}?artifactType=application/x.gone`;
    expect((await raw(reg.url, 'GET', q)).json<{ manifests: unknown[] }>().manifests).toHaveLength(1);
    await raw(reg.url, 'DELETE', `/v2/ref/repo/manifests/${gone.digest}`);
    expect((await raw(reg.url, 'GET', q)).json<{ manifests: unknown[] }>().manifests).toHaveLength(0);
  });
});
