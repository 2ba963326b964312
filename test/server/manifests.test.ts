import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import {
  DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, errorCode, getManifest, makeImage, makeIndex, pushBlob, pushImage, putManifest, raw, sha,
} from './util.js';

const reg = shared(startRegistry);

describe('manifest PUT/GET/HEAD', () => {
  it('stores and serves the exact bytes (odd whitespace kept) by tag and by digest', async () => {
    const img = makeImage();
    await pushImage(reg.url, 'm/exact', img, 'dummy');
    const bytes = Buffer.from(`  ${img.manifest.toString()}\n\n`);
    const put = await putManifest(reg.url, 'm/exact', 'v1', bytes);
    expect(put.status).toBe(201);
    expect(put.header('docker-content-digest')).toBe(sha(bytes));
    expect(put.header('location')).toBe(`/v2/m/exact/manifests/${sha(bytes)}`);
    for (const ref of ['v1', sha(bytes)]) {
      const r = await getManifest(reg.url, 'm/exact', ref);
      expect(r.status).toBe(200);
      expect(r.body.equals(bytes)).toBe(true);
      expect(r.header('content-type')).toBe(OCI_MANIFEST);
      expect(r.header('docker-content-digest')).toBe(sha(bytes));
      expect(r.header('etag')).toBe(`"${sha(bytes)}"`);
    }
    const head = await getManifest(reg.url, 'm/exact', 'v1', OCI_MANIFEST, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.header('content-length')).toBe(String(bytes.length));
    expect(head.body.length).toBe(0);
  });

  it('PUT by digest: matching digest → 201; mismatch → 400 DIGEST_INVALID', async () => {
    const img = makeImage();
    const ok = await pushImage(reg.url, 'm/bydigest', img, img.digest);
    expect(ok.status).toBe(201);
    const bad = await putManifest(reg.url, 'm/bydigest', sha('x'), img.manifest);
    expect(bad.status).toBe(400);
    expect(errorCode(bad)).toBe('DIGEST_INVALID');
  });

  it('PUT by digest with ?tag= applies the tags (OCI-Tag)', async () => {
    const img = makeImage();
    await pushImage(reg.url, 'm/ocitag', img, 'first');
    const r = await raw(reg.url, 'PUT', `/v2/m/ocitag/manifests/${img.digest}?tag=a&tag=b`, { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } });
    expect(r.status).toBe(201);
    expect(r.header('oci-tag')).toBe('a, b');
    expect((await raw(reg.url, 'GET', '/v2/m/ocitag/tags/list')).json()).toEqual({ name: 'm/ocitag', tags: ['a', 'b', 'first'] });
  });

  it('Docker schema 2 is stored and served with its media type', async () => {
    const img = makeImage({ mediaType: DOCKER_MANIFEST });
    expect((await pushImage(reg.url, 'm/docker', img, 'v2', DOCKER_MANIFEST)).status).toBe(201);
    const r = await getManifest(reg.url, 'm/docker', 'v2', '');
    expect(r.status).toBe(200);
    expect(r.header('content-type')).toBe(DOCKER_MANIFEST);
  });

  it('unknown tag / digest → 404 MANIFEST_UNKNOWN', async () => {
    const r = await getManifest(reg.url, 'm/none', 'latest');
    expect(r.status).toBe(404);
    expect(errorCode(r)).toBe('MANIFEST_UNKNOWN');
    expect((await getManifest(reg.url, 'm/none', sha('x'))).status).toBe(404);
  });

  it('If-None-Match → 304', async () => {
    const img = makeImage();
    await pushImage(reg.url, 'm/etag', img, 'v1');
    const r = await raw(reg.url, 'GET', '/v2/m/etag/manifests/v1', { headers: { Accept: OCI_MANIFEST, 'If-None-Match': `"${img.digest}"` } });
    expect(r.status).toBe(304);
    expect(r.header('docker-content-digest')).toBe(img.digest);
  });
});

describe('validation', () => {
  it('a manifest referencing an unknown blob → 400 MANIFEST_BLOB_UNKNOWN, nothing stored', async () => {
    const img = makeImage();
    await pushBlob(reg.url, 'v/missing', img.config);
    const r = await putManifest(reg.url, 'v/missing', 'v1', img.manifest);
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('MANIFEST_BLOB_UNKNOWN');
    expect((await getManifest(reg.url, 'v/missing', 'v1')).status).toBe(404);
  });

  it('blobs must be linked in this repository, not just somewhere', async () => {
    const img = makeImage();
    await pushImage(reg.url, 'v/elsewhere', img, 'v1');
    const r = await putManifest(reg.url, 'v/notlinked', 'v1', img.manifest);
    expect(errorCode(r)).toBe('MANIFEST_BLOB_UNKNOWN');
  });

  it('an index referencing an unknown child → MANIFEST_BLOB_UNKNOWN', async () => {
    const idx = makeIndex([{ mediaType: OCI_MANIFEST, digest: sha('nope'), size: 10 }]);
    const r = await putManifest(reg.url, 'v/index', 'v1', idx, OCI_INDEX);
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('MANIFEST_BLOB_UNKNOWN');
  });

  it('a missing subject is allowed and answered with OCI-Subject', async () => {
    const subject = { mediaType: OCI_MANIFEST, digest: sha('absent subject'), size: 123 };
    const img = makeImage({ extra: { subject, artifactType: 'application/x.sig' } });
    const r = await pushImage(reg.url, 'v/subject', img, img.digest);
    expect(r.status).toBe(201);
    expect(r.header('oci-subject')).toBe(subject.digest);
  });

  it.each([
    ['not JSON', Buffer.from('{nope'), OCI_MANIFEST, 'MANIFEST_INVALID'],
    ['schemaVersion 3', Buffer.from('{"schemaVersion":3}'), OCI_MANIFEST, 'MANIFEST_INVALID'],
    ['unknown media type', Buffer.from('{"schemaVersion":2,"mediaType":"application/x.unknown","config":{}}'), 'application/x.unknown', 'MANIFEST_INVALID'],
    ['Content-Type ≠ mediaType', makeImage().manifest, DOCKER_MANIFEST, 'MANIFEST_INVALID'],
    ['bad layer descriptor', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'a/b', digest: sha('c'), size: 1 }, layers: [{ digest: 'x' }] })), OCI_MANIFEST, 'MANIFEST_INVALID'],
    ['schema 1 (no handler)', Buffer.from('{"schemaVersion":1,"name":"v/bad","tag":"t","fsLayers":[],"history":[]}'), 'application/vnd.docker.distribution.manifest.v1+json', 'MANIFEST_INVALID'],
  ])('%s → 400 %s', async (_n, body, ct, code) => {
    const r = await putManifest(reg.url, 'v/bad', 't', body, ct);
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe(code);
  });

  it('over 4 MiB → 413 (declared or streamed)', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    const r = await putManifest(reg.url, 'v/big', 't', big);
    expect(r.status).toBe(413);
    expect(errorCode(r)).toBe('MANIFEST_TOO_BIG');
  });
});

describe('Accept negotiation', () => {
  it('an OCI manifest is 404 unless its type is accepted (*/* accepts everything)', async () => {
    const img = makeImage();
    await pushImage(reg.url, 'n/oci', img, 'v1');
    expect((await getManifest(reg.url, 'n/oci', 'v1', '')).status).toBe(404);
    expect((await getManifest(reg.url, 'n/oci', 'v1', DOCKER_MANIFEST)).status).toBe(404);
    expect((await getManifest(reg.url, 'n/oci', 'v1', `${DOCKER_MANIFEST};q=0.9, ${OCI_MANIFEST};q=0.5`)).status).toBe(200);
    expect((await getManifest(reg.url, 'n/oci', 'v1', '*/*')).status).toBe(200);
    const multi = await raw(reg.url, 'GET', '/v2/n/oci/manifests/v1', { headers: { Accept: [DOCKER_MANIFEST, OCI_MANIFEST] } });
    expect(multi.status).toBe(200);
  });

  it('an OCI index is 404 unless accepted', async () => {
    const img = makeImage();
    await pushImage(reg.url, 'n/idx', img, img.digest);
    const idx = makeIndex([{ mediaType: OCI_MANIFEST, digest: img.digest, size: img.manifest.length }]);
    expect((await putManifest(reg.url, 'n/idx', 'v1', idx, OCI_INDEX)).status).toBe(201);
    expect((await getManifest(reg.url, 'n/idx', 'v1', OCI_MANIFEST)).status).toBe(404);
    expect((await getManifest(reg.url, 'n/idx', 'v1', OCI_INDEX)).status).toBe(200);
  });

  it('a Docker manifest list by tag without the list type accepted serves the linux/amd64 child', async () => {
    const amd = makeImage({ mediaType: DOCKER_MANIFEST });
    const arm = makeImage({ mediaType: DOCKER_MANIFEST });
    await pushImage(reg.url, 'n/list', amd, amd.digest, DOCKER_MANIFEST);
    await pushImage(reg.url, 'n/list', arm, arm.digest, DOCKER_MANIFEST);
    const list = makeIndex([
      { mediaType: DOCKER_MANIFEST, digest: arm.digest, size: arm.manifest.length, platform: { os: 'linux', architecture: 'arm64' } },
      { mediaType: DOCKER_MANIFEST, digest: amd.digest, size: amd.manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
    ], DOCKER_LIST);
    expect((await putManifest(reg.url, 'n/list', 'multi', list, DOCKER_LIST)).status).toBe(201);
    const child = await getManifest(reg.url, 'n/list', 'multi', DOCKER_MANIFEST);
    expect(child.status).toBe(200);
    expect(child.header('docker-content-digest')).toBe(amd.digest);
    expect(child.body.equals(amd.manifest)).toBe(true);
    expect((await getManifest(reg.url, 'n/list', 'multi', '')).header('docker-content-digest')).toBe(amd.digest);
    const neither = await getManifest(reg.url, 'n/list', 'multi', OCI_MANIFEST);
    expect(neither.status).toBe(404);
    expect(errorCode(neither)).toBe('MANIFEST_UNKNOWN');
    const whole = await getManifest(reg.url, 'n/list', 'multi', `${DOCKER_LIST}, ${DOCKER_MANIFEST}`);
    expect(whole.header('docker-content-digest')).toBe(sha(list));
    const byDigest = await getManifest(reg.url, 'n/list', sha(list), DOCKER_MANIFEST);
    expect(byDigest.header('docker-content-digest')).toBe(sha(list));
  });
});

describe('manifest DELETE', () => {
  it('by digest removes the revision and every tag pointing at it', async () => {
    const img = makeImage();
    await pushImage(reg.url, 'd/m', img, 'a');
    await putManifest(reg.url, 'd/m', 'b', img.manifest);
    const other = makeImage();
    await pushImage(reg.url, 'd/m', other, 'c');
    const r = await raw(reg.url, 'DELETE', `/v2/d/m/manifests/${img.digest}`);
    expect(r.status).toBe(202);
    expect((await getManifest(reg.url, 'd/m', img.digest)).status).toBe(404);
    expect((await getManifest(reg.url, 'd/m', 'a')).status).toBe(404);
    expect((await raw(reg.url, 'GET', '/v2/d/m/tags/list')).json()).toEqual({ name: 'd/m', tags: ['c'] });
    const again = await raw(reg.url, 'DELETE', `/v2/d/m/manifests/${img.digest}`);
    expect(again.status).toBe(404);
    expect(errorCode(again)).toBe('MANIFEST_UNKNOWN');
  });

  it('by tag removes only the tag', async () => {
    const img = makeImage();
    await pushImage(reg.url, 'd/t', img, 'x');
    await putManifest(reg.url, 'd/t', 'y', img.manifest);
    expect((await raw(reg.url, 'DELETE', '/v2/d/t/manifests/x')).status).toBe(202);
    expect((await getManifest(reg.url, 'd/t', 'x')).status).toBe(404);
    expect((await getManifest(reg.url, 'd/t', 'y')).status).toBe(200);
    expect((await getManifest(reg.url, 'd/t', img.digest)).status).toBe(200);
    expect((await raw(reg.url, 'DELETE', '/v2/d/t/manifests/x')).status).toBe(404);
  });

  it('with deletion disabled → 405 UNSUPPORTED', async () => {
    const r2 = await startRegistry({ deleteEnabled: false });
    try {
      const img = makeImage();
      await pushImage(r2.url, 'd/no', img, 'x');
      const r = await raw(r2.url, 'DELETE', `/v2/d/no/manifests/${img.digest}`);
      expect(r.status).toBe(405);
      expect(errorCode(r)).toBe('UNSUPPORTED');
      expect((await raw(r2.url, 'DELETE', '/v2/d/no/manifests/x')).status).toBe(405);
    } finally {
      await r2.close();
    }
  });
});
