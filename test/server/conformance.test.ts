/**
 * The four workflows of the OCI distribution-spec 1.1 conformance suite (pull, push, content
 * discovery, content management), request by request, as our own tests.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { OCI_INDEX, OCI_MANIFEST, errorCode, makeImage, pushBlob, raw, sha } from './util.js';

const reg = shared(startRegistry);

const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
const EMPTY = Buffer.from('{}');
const emptyConfig = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(EMPTY), size: 2 };

describe('conformance: pull', () => {
  const name = 'conformance/pull';
  const img = makeImage({ layers: 2 });
  beforeAll(async () => {
    await pushBlob(reg.url, name, img.config);
    for (const l of img.layers) await pushBlob(reg.url, name, l);
    expect((await raw(reg.url, 'PUT', `/v2/${name}/manifests/tagtest0`, { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } })).status).toBe(201);
  });

  it('HEAD nonexistent blob → 404', async () => expect((await raw(reg.url, 'HEAD', `/v2/${name}/blobs/${sha('nope')}`)).status).toBe(404));
  it('HEAD existing blob → 200 with Content-Length', async () => {
    const r = await raw(reg.url, 'HEAD', `/v2/${name}/blobs/${sha(img.config)}`);
    expect(r.status).toBe(200);
    expect(r.header('content-length')).toBe(String(img.config.length));
  });
  it('GET nonexistent blob → 404 BLOB_UNKNOWN', async () => expect(errorCode(await raw(reg.url, 'GET', `/v2/${name}/blobs/${sha('nope')}`))).toBe('BLOB_UNKNOWN'));
  it('GET existing blob → 200 and the content', async () => {
    const r = await raw(reg.url, 'GET', `/v2/${name}/blobs/${sha(img.layers[1]!)}`);
    expect(r.status).toBe(200);
    expect(sha(r.body)).toBe(sha(img.layers[1]!));
  });
  it('HEAD nonexistent manifest → 404', async () => expect((await raw(reg.url, 'HEAD', `/v2/${name}/manifests/nonexistent`)).status).toBe(404));
  it('HEAD manifest by digest and by tag → 200 with Docker-Content-Digest', async () => {
    for (const ref of [img.digest, 'tagtest0']) {
      const r = await raw(reg.url, 'HEAD', `/v2/${name}/manifests/${ref}`, { headers: { Accept: OCI_MANIFEST } });
      expect(r.status).toBe(200);
      expect(r.header('docker-content-digest')).toBe(img.digest);
    }
  });
  it('GET nonexistent manifest → 404 MANIFEST_UNKNOWN', async () => expect(errorCode(await raw(reg.url, 'GET', `/v2/${name}/manifests/${sha('x')}`, { headers: { Accept: OCI_MANIFEST } }))).toBe('MANIFEST_UNKNOWN'));
  it('GET manifest by digest and tag → 200 with the exact bytes', async () => {
    for (const ref of [img.digest, 'tagtest0']) {
      const r = await raw(reg.url, 'GET', `/v2/${name}/manifests/${ref}`, { headers: { Accept: OCI_MANIFEST } });
      expect(r.status).toBe(200);
      expect(r.body.equals(img.manifest)).toBe(true);
    }
  });
  it('GET with an invalid name → 400 NAME_INVALID; invalid tag → 400', async () => {
    expect(errorCode(await raw(reg.url, 'GET', '/v2/INVALID/manifests/x'))).toBe('NAME_INVALID');
    expect((await raw(reg.url, 'GET', `/v2/${name}/manifests/.bad`)).status).toBe(400);
  });
});

describe('conformance: push', () => {
  const name = 'conformance/push';
  it('POST then PUT monolithic → 201 with Location; the blob is then HEAD-able', async () => {
    const data = randomBytes(1024);
    const post = await raw(reg.url, 'POST', `/v2/${name}/blobs/uploads/`);
    expect(post.status).toBe(202);
    expect(post.header('location')).toBeTruthy();
    const put = await raw(reg.url, 'PUT', `${post.header('location')}?digest=${sha(data)}`, { body: data, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.length) } });
    expect(put.status).toBe(201);
    expect(put.header('location')).toBe(`/v2/${name}/blobs/${sha(data)}`);
    expect((await raw(reg.url, 'HEAD', `/v2/${name}/blobs/${sha(data)}`)).status).toBe(200);
  });
  it('POST ?digest= with the body → 201 (single POST)', async () => {
    const data = randomBytes(512);
    const r = await raw(reg.url, 'POST', `/v2/${name}/blobs/uploads/?digest=${sha(data)}`, { body: data, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(r.status).toBe(201);
  });
  it('chunked: POST, PATCH chunks in order, out-of-order → 416, GET status → 204, PUT → 201', async () => {
    const data = randomBytes(3 * 1024);
    const loc = (await raw(reg.url, 'POST', `/v2/${name}/blobs/uploads/`, { headers: { 'Content-Length': '0' } })).header('location')!;
    const c1 = await raw(reg.url, 'PATCH', loc, { body: data.subarray(0, 1024), headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '0-1023', 'Content-Length': '1024' } });
    expect(c1.status).toBe(202);
    expect(c1.header('range')).toBe('0-1023');
    const ooo = await raw(reg.url, 'PATCH', c1.header('location')!, { body: data.subarray(2048), headers: { 'Content-Range': '2048-3071' } });
    expect(ooo.status).toBe(416);
    const st = await raw(reg.url, 'GET', c1.header('location')!);
    expect(st.status).toBe(204);
    expect(st.header('range')).toBe('0-1023');
    const c2 = await raw(reg.url, 'PATCH', st.header('location')!, { body: data.subarray(1024, 2048), headers: { 'Content-Range': '1024-2047' } });
    expect(c2.status).toBe(202);
    const put = await raw(reg.url, 'PUT', `${c2.header('location')}?digest=${sha(data)}`, { body: data.subarray(2048), headers: { 'Content-Range': '2048-3071', 'Content-Length': '1024' } });
    expect(put.status).toBe(201);
  });
  it('a zero-length blob can be pushed', async () => {
    const r = await raw(reg.url, 'POST', `/v2/${name}/blobs/uploads/?digest=${sha('')}`, { headers: { 'Content-Length': '0' } });
    expect(r.status).toBe(201);
  });
  it('GET status of a nonexistent upload → 404', async () => {
    expect((await raw(reg.url, 'GET', `/v2/${name}/blobs/uploads/does-not-exist`)).status).toBe(404);
  });
  it('cross-repository mount → 201; mount without from → 201 or 202', async () => {
    const d = await pushBlob(reg.url, `${name}/src`, randomBytes(100));
    const r = await raw(reg.url, 'POST', `/v2/${name}/dst/blobs/uploads/?mount=${d}&from=${name}/src`);
    expect(r.status).toBe(201);
    expect((await raw(reg.url, 'GET', r.header('location')!)).status).toBe(200);
    const nf = await raw(reg.url, 'POST', `/v2/${name}/dst2/blobs/uploads/?mount=${d}`);
    expect([201, 202]).toContain(nf.status);
  });
  it('manifest PUT by tag and by digest → 201 with Location; a manifest with no layers is accepted', async () => {
    await pushBlob(reg.url, name, EMPTY);
    const m = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/x.test', config: emptyConfig, layers: [] });
    const r = await raw(reg.url, 'PUT', `/v2/${name}/manifests/${sha(m)}`, { body: m, headers: { 'Content-Type': OCI_MANIFEST } });
    expect(r.status).toBe(201);
    expect(r.header('location')).toBe(`/v2/${name}/manifests/${sha(m)}`);
    expect((await raw(reg.url, 'PUT', `/v2/${name}/manifests/tagtest0`, { body: m, headers: { 'Content-Type': OCI_MANIFEST } })).status).toBe(201);
  });
  it('a manifest with a missing layer → 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const m = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: emptyConfig, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha('missing'), size: 7 }] });
    expect(errorCode(await raw(reg.url, 'PUT', `/v2/${name}/manifests/missing`, { body: m, headers: { 'Content-Type': OCI_MANIFEST } }))).toBe('MANIFEST_BLOB_UNKNOWN');
  });
});

describe('conformance: content discovery', () => {
  const name = 'conformance/discovery';
  const subject = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: emptyConfig, layers: [] });
  const subjectDesc = { mediaType: OCI_MANIFEST, digest: sha(subject), size: subject.length };
  const refA = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.test.a', config: emptyConfig, layers: [], subject: subjectDesc, annotations: { 'org.opencontainers.conformance': 'a' } });
  const refB = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.test.b', config: emptyConfig, layers: [], subject: subjectDesc });
  const tags = Array.from({ length: 4 }, (_, i) => `tag${i}`);
  beforeAll(async () => {
    await pushBlob(reg.url, name, EMPTY);
    for (const t of tags) await raw(reg.url, 'PUT', `/v2/${name}/manifests/${t}`, { body: subject, headers: { 'Content-Type': OCI_MANIFEST } });
  });

  it('tags/list returns every tag; n and last paginate', async () => {
    expect((await raw(reg.url, 'GET', `/v2/${name}/tags/list`)).json<{ tags: string[] }>().tags).toEqual(tags);
    expect((await raw(reg.url, 'GET', `/v2/${name}/tags/list?n=2`)).json<{ tags: string[] }>().tags).toEqual(['tag0', 'tag1']);
    expect((await raw(reg.url, 'GET', `/v2/${name}/tags/list?n=2&last=tag1`)).json<{ tags: string[] }>().tags).toEqual(['tag2', 'tag3']);
  });
  it('PUT of a manifest with subject answers OCI-Subject', async () => {
    for (const m of [refA, refB]) {
      const r = await raw(reg.url, 'PUT', `/v2/${name}/manifests/${sha(m)}`, { body: m, headers: { 'Content-Type': OCI_MANIFEST } });
      expect(r.status).toBe(201);
      expect(r.header('oci-subject')).toBe(sha(subject));
    }
  });
  it('GET referrers lists both; artifactType filter applies with OCI-Filters-Applied', async () => {
    const all = await raw(reg.url, 'GET', `/v2/${name}/referrers/${sha(subject)}`);
    expect(all.status).toBe(200);
    expect(all.header('content-type')).toBe(OCI_INDEX);
    const list = all.json<{ manifests: Array<{ digest: string; artifactType: string; annotations?: Record<string, string> }> }>().manifests;
    expect(list.map((m) => m.digest).sort()).toEqual([sha(refA), sha(refB)].sort());
    expect(list.find((m) => m.digest === sha(refA))!.annotations).toEqual({ 'org.opencontainers.conformance': 'a' });
    const f = await raw(reg.url, 'GET', `/v2/${name}/referrers/${sha(subject)}?artifactType=application/vnd.test.b`);
    expect(f.header('oci-filters-applied')).toBe('artifactType');
    expect(f.json<{ manifests: Array<{ digest: string }> }>().manifests.map((m) => m.digest)).toEqual([sha(refB)]);
  });
  it('GET referrers of a digest without referrers → 200, empty', async () => {
    const r = await raw(reg.url, 'GET', `/v2/${name}/referrers/${sha('no referrers')}`);
    expect(r.status).toBe(200);
    expect(r.json<{ manifests: unknown[] }>().manifests).toEqual([]);
  });
});

describe('conformance: content management', () => {
  const name = 'conformance/management';
  const img = makeImage();
  beforeAll(async () => {
    await pushBlob(reg.url, name, img.config);
    await pushBlob(reg.url, name, img.layers[0]!);
    for (const t of ['a', 'b']) await raw(reg.url, 'PUT', `/v2/${name}/manifests/${t}`, { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
  });

  it('DELETE a tag → 202; GET by that tag → 404; the manifest stays', async () => {
    expect((await raw(reg.url, 'DELETE', `/v2/${name}/manifests/a`)).status).toBe(202);
    expect((await raw(reg.url, 'GET', `/v2/${name}/manifests/a`, { headers: { Accept: OCI_MANIFEST } })).status).toBe(404);
    expect((await raw(reg.url, 'GET', `/v2/${name}/manifests/${img.digest}`, { headers: { Accept: OCI_MANIFEST } })).status).toBe(200);
  });
  it('DELETE the manifest by digest → 202; GET → 404; tags list no longer has its tags', async () => {
    expect((await raw(reg.url, 'DELETE', `/v2/${name}/manifests/${img.digest}`)).status).toBe(202);
    expect((await raw(reg.url, 'GET', `/v2/${name}/manifests/${img.digest}`, { headers: { Accept: OCI_MANIFEST } })).status).toBe(404);
    const tags = await raw(reg.url, 'GET', `/v2/${name}/tags/list`);
    expect(tags.json<{ tags: string[] }>().tags).toEqual([]);
  });
  it('DELETE blobs → 202; GET → 404', async () => {
    for (const b of [img.config, img.layers[0]!]) {
      expect((await raw(reg.url, 'DELETE', `/v2/${name}/blobs/${sha(b)}`)).status).toBe(202);
      expect((await raw(reg.url, 'GET', `/v2/${name}/blobs/${sha(b)}`)).status).toBe(404);
    }
  });
});
