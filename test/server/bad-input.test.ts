import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { snapshot } from './snapshot.js';
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, errorCode, makeImage, makeIndex, pushImage, raw, sha } from './util.js';

const reg = shared(startRegistry);
let upload: string;
let before: Record<string, string>;
const img = makeImage();
const D = sha('some content');
const HEX_UP = `sha256:${'A'.repeat(64)}`;
const U = '00000000-1111-2222-3333-444444444444';

beforeAll(async () => {
  await pushImage(reg.url, 'bad/repo', img, 'v1');
  const r = await raw(reg.url, 'POST', '/v2/bad/repo/blobs/uploads/');
  upload = r.header('location')!;
  before = await snapshot(reg.dir);
});

type Case = [label: string, method: string, path: () => string, status: number, code: string | null, opts?: { headers?: Record<string, string>; body?: Buffer | string }];
const manifest = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
const okConfig = (): { mediaType: string; digest: string; size: number } => ({ mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(img.config), size: img.config.length });
const ct = (t: string): { 'Content-Type': string } => ({ 'Content-Type': t });

const CASES: Case[] = [
  // names
  ['upper-case name', 'GET', () => '/v2/Bad/Repo/tags/list', 400, 'NAME_INVALID'],
  ['.. segment in name', 'GET', () => '/v2/bad/../repo/tags/list', 400, 'NAME_INVALID'],
  ['.. escaping the root', 'GET', () => '/v2/../../../etc/tags/list', 400, 'NAME_INVALID'],
  ['.. in blob path', 'GET', () => `/v2/bad/repo/../../x/blobs/${D}`, 400, 'NAME_INVALID'],
  ['empty component', 'GET', () => '/v2/bad//repo/tags/list', 400, 'NAME_INVALID'],
  ['leading dash', 'POST', () => '/v2/-bad/blobs/uploads/', 400, 'NAME_INVALID'],
  ['trailing separator', 'POST', () => '/v2/bad_/blobs/uploads/', 400, 'NAME_INVALID'],
  ['name over 255 chars', 'POST', () => `/v2/${'a'.repeat(256)}/blobs/uploads/`, 400, 'NAME_INVALID'],
  ['percent-encoded slash', 'POST', () => '/v2/bad%2F..%2Fx/blobs/uploads/', 400, 'NAME_INVALID'],
  ['_uploads as a component', 'POST', () => '/v2/bad/repo/_uploads/blobs/uploads/', 400, 'NAME_INVALID'],
  ['_layers as a component', 'GET', () => `/v2/bad/repo/_layers/blobs/${D}`, 400, 'NAME_INVALID'],
  ['dot name', 'PUT', () => '/v2/./manifests/x', 400, 'NAME_INVALID', { body: img.manifest, headers: ct(OCI_MANIFEST) }],
  ['bad mount source name', 'POST', () => `/v2/bad/repo/blobs/uploads/?mount=${D}&from=../x`, 400, 'NAME_INVALID'],
  // tags
  ['tag with leading dash', 'PUT', () => '/v2/bad/repo/manifests/-x', 400, 'TAG_INVALID', { body: img.manifest, headers: ct(OCI_MANIFEST) }],
  ['tag over 128 chars', 'PUT', () => `/v2/bad/repo/manifests/${'t'.repeat(129)}`, 400, 'TAG_INVALID', { body: img.manifest, headers: ct(OCI_MANIFEST) }],
  ['tag with encoded ..', 'GET', () => '/v2/bad/repo/manifests/..%2F..', 400, 'TAG_INVALID'],
  ['bad ?tag= on PUT by digest', 'PUT', () => `/v2/bad/repo/manifests/${img.digest}?tag=no!pe`, 400, 'TAG_INVALID', { body: img.manifest, headers: ct(OCI_MANIFEST) }],
  // digests
  ['short digest', 'GET', () => '/v2/bad/repo/blobs/sha256:abc', 400, 'DIGEST_INVALID'],
  ['upper-case hex', 'GET', () => `/v2/bad/repo/blobs/${HEX_UP}`, 400, 'DIGEST_INVALID'],
  ['unknown algorithm', 'GET', () => `/v2/bad/repo/blobs/md5:${'0'.repeat(32)}`, 400, 'DIGEST_INVALID'],
  ['dots as digest', 'DELETE', () => '/v2/bad/repo/blobs/sha256:..', 400, 'DIGEST_INVALID'],
  ['short sha512', 'DELETE', () => `/v2/bad/repo/blobs/sha512:${'0'.repeat(64)}`, 400, 'DIGEST_INVALID'],
  ['bad manifest digest', 'GET', () => '/v2/bad/repo/manifests/sha256:zz', 400, 'DIGEST_INVALID'],
  ['bad single-POST digest', 'POST', () => '/v2/bad/repo/blobs/uploads/?digest=sha256:nope', 400, 'DIGEST_INVALID', { body: 'abc' }],
  ['bad mount digest', 'POST', () => '/v2/bad/repo/blobs/uploads/?mount=sha256:x&from=bad/repo', 400, 'DIGEST_INVALID'],
  ['bad finishing digest', 'PUT', () => `${upload}?digest=notadigest`, 400, 'DIGEST_INVALID'],
  ['finishing without digest', 'PUT', () => upload, 400, 'DIGEST_INVALID'],
  ['finishing with the wrong digest', 'PUT', () => `${upload}?digest=${D}`, 400, 'DIGEST_INVALID'],
  ['bad referrers digest', 'GET', () => '/v2/bad/repo/referrers/sha256:bad', 400, 'DIGEST_INVALID'],
  ['manifest PUT by wrong digest', 'PUT', () => `/v2/bad/repo/manifests/${D}`, 400, 'DIGEST_INVALID', { body: img.manifest, headers: ct(OCI_MANIFEST) }],
  // sizes
  ['chunk shorter than its Content-Range', 'PATCH', () => upload, 400, 'SIZE_INVALID', { body: 'x'.repeat(10), headers: { 'Content-Range': '0-99' } }],
  ['single POST with wrong content', 'POST', () => `/v2/bad/repo/blobs/uploads/?digest=${D}`, 400, 'DIGEST_INVALID', { body: randomBytes(100) }],
  ['negative descriptor size', 'PUT', () => '/v2/bad/repo/manifests/neg', 400, 'MANIFEST_INVALID', { body: manifest({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...okConfig(), size: -1 }, layers: [] }), headers: ct(OCI_MANIFEST) }],
  // ranges
  ['chunk out of order', 'PATCH', () => upload, 416, 'RANGE_INVALID', { body: 'x'.repeat(6), headers: { 'Content-Range': '5-10' } }],
  ['malformed Content-Range', 'PATCH', () => upload, 416, 'RANGE_INVALID', { body: 'x', headers: { 'Content-Range': 'abc' } }],
  ['reversed Content-Range', 'PATCH', () => upload, 416, 'RANGE_INVALID', { body: 'x', headers: { 'Content-Range': '10-5' } }],
  ['blob Range past the end', 'GET', () => `/v2/bad/repo/blobs/${sha(img.config)}`, 416, 'RANGE_INVALID', { headers: { Range: 'bytes=100000-' } }],
  ['blob Range -0', 'GET', () => `/v2/bad/repo/blobs/${sha(img.config)}`, 416, 'RANGE_INVALID', { headers: { Range: 'bytes=-0' } }],
  // invalid JSON / manifests
  ['manifest not JSON', 'PUT', () => '/v2/bad/repo/manifests/j', 400, 'MANIFEST_INVALID', { body: '{"schemaVersion":', headers: ct(OCI_MANIFEST) }],
  ['manifest a JSON array', 'PUT', () => '/v2/bad/repo/manifests/j', 400, 'MANIFEST_INVALID', { body: '[]', headers: ct(OCI_MANIFEST) }],
  ['manifest without config', 'PUT', () => '/v2/bad/repo/manifests/j', 400, 'MANIFEST_INVALID', { body: manifest({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }), headers: ct(OCI_MANIFEST) }],
  ['empty manifest body', 'PUT', () => '/v2/bad/repo/manifests/j', 400, 'MANIFEST_INVALID', { headers: ct(OCI_MANIFEST) }],
  ['oversized manifest', 'PUT', () => '/v2/bad/repo/manifests/big', 413, 'MANIFEST_TOO_BIG', { body: Buffer.alloc(4 * 1024 * 1024 + 10, 0x20), headers: ct(OCI_MANIFEST) }],
  ['unknown manifest media type', 'PUT', () => '/v2/bad/repo/manifests/u', 400, 'MANIFEST_INVALID', { body: manifest({ schemaVersion: 2, mediaType: 'application/x.whatever', config: okConfig(), layers: [] }), headers: ct('application/x.whatever') }],
  ['Content-Type contradicts mediaType', 'PUT', () => '/v2/bad/repo/manifests/u', 400, 'MANIFEST_INVALID', { body: img.manifest, headers: ct(DOCKER_MANIFEST) }],
  ['manifest with unknown layer', 'PUT', () => '/v2/bad/repo/manifests/u', 400, 'MANIFEST_BLOB_UNKNOWN', { body: manifest({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: okConfig(), layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: D, size: 12 }] }), headers: ct(OCI_MANIFEST) }],
  ['manifest with unknown config', 'PUT', () => '/v2/bad/repo/manifests/u', 400, 'MANIFEST_BLOB_UNKNOWN', { body: manifest({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...okConfig(), digest: D }, layers: [] }), headers: ct(OCI_MANIFEST) }],
  ['index with unknown child', 'PUT', () => '/v2/bad/repo/manifests/i', 400, 'MANIFEST_BLOB_UNKNOWN', { body: makeIndex([{ mediaType: OCI_MANIFEST, digest: D, size: 1 }]), headers: ct(OCI_INDEX) }],
  // missing uploads
  ['PATCH unknown upload', 'PATCH', () => `/v2/bad/repo/blobs/uploads/${U}`, 404, 'BLOB_UPLOAD_UNKNOWN', { body: 'abc' }],
  ['PUT unknown upload', 'PUT', () => `/v2/bad/repo/blobs/uploads/${U}?digest=${D}`, 404, 'BLOB_UPLOAD_UNKNOWN', { body: 'abc' }],
  ['status of unknown upload', 'GET', () => `/v2/bad/repo/blobs/uploads/${U}`, 404, 'BLOB_UPLOAD_UNKNOWN'],
  ['cancel unknown upload', 'DELETE', () => `/v2/bad/repo/blobs/uploads/${U}`, 404, 'BLOB_UPLOAD_UNKNOWN'],
  ['upload id with encoded ..', 'PATCH', () => '/v2/bad/repo/blobs/uploads/..%2F..%2Fx', 404, 'BLOB_UPLOAD_UNKNOWN', { body: 'abc' }],
  ['upload id ..', 'GET', () => '/v2/bad/repo/blobs/uploads/..', 404, 'BLOB_UPLOAD_UNKNOWN'],
  ['upload of another repo', 'GET', () => upload.replace('/bad/repo/', '/bad/other/'), 404, 'BLOB_UPLOAD_UNKNOWN'],
  // other
  ['tags n=-1', 'GET', () => '/v2/bad/repo/tags/list?n=-1', 400, 'PAGINATION_NUMBER_INVALID'],
  ['catalog n=abc', 'GET', () => '/v2/_catalog?n=abc', 400, 'PAGINATION_NUMBER_INVALID'],
  ['delete unknown tag', 'DELETE', () => '/v2/bad/repo/manifests/nope', 404, 'MANIFEST_UNKNOWN'],
  ['delete unknown blob', 'DELETE', () => `/v2/bad/repo/blobs/${D}`, 404, 'BLOB_UNKNOWN'],
  ['delete unknown manifest', 'DELETE', () => `/v2/bad/repo/manifests/${D}`, 404, 'MANIFEST_UNKNOWN'],
  ['unknown repository tags', 'GET', () => '/v2/not/there/tags/list', 404, 'NAME_UNKNOWN'],
  ['PATCH on the uploads collection', 'PATCH', () => '/v2/bad/repo/blobs/uploads/', 405, 'UNSUPPORTED', { body: 'x' }],
  ['PUT on /v2/', 'PUT', () => '/v2/', 405, 'UNSUPPORTED', { body: 'x' }],
];

describe('bad input: right code, no change on disk', () => {
  it('has at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('%s → %i %s', async (_label, method, path, status, code, opts) => {
    const r = await raw(reg.url, method, path(), { headers: opts?.headers, body: opts?.body });
    expect(r.status).toBe(status);
    if (code) expect(errorCode(r)).toBe(code);
    expect(await snapshot(reg.dir)).toEqual(before);
  });

  it('and the data is still served afterwards', async () => {
    expect((await raw(reg.url, 'GET', '/v2/bad/repo/manifests/v1', { headers: { Accept: OCI_MANIFEST } })).body.equals(img.manifest)).toBe(true);
    expect((await raw(reg.url, 'GET', upload)).status).toBe(204);
  });
});
