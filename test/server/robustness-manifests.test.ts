import { beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { snapshot } from './snapshot.js';
import { DOCKER_LIST, OCI_INDEX, OCI_MANIFEST, errorCode, makeImage, pushImage, putManifest, raw, sha } from './util.js';

/**
 * Manifests that are valid JSON of almost the right shape: optional fields of the wrong type.
 * distribution decodes into typed structs and answers 400 MANIFEST_INVALID; dist stored them (and
 * served `"annotations": "x"` back inside its referrers index), or threw a TypeError on a foreign
 * layer's `urls` (a 500, or a reset). Each must be 400 MANIFEST_INVALID with nothing written.
 */
const reg = shared(startRegistry);
const img = makeImage();
const SUBJECT = sha('the subject');
const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(img.config), size: img.config.length };
const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(img.layers[0]!), size: img.layers[0]!.length };
const FOREIGN = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
const child = { mediaType: OCI_MANIFEST, digest: img.digest, size: img.manifest.length };
const image = (extra: Record<string, unknown>, layers: unknown[] = [layer]): Buffer =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers, ...extra }));
const index = (manifests: unknown[], mediaType = OCI_INDEX, extra: Record<string, unknown> = {}): Buffer =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests, ...extra }));

let before: Record<string, string>;
beforeAll(async () => {
  expect((await pushImage(reg.url, 'shape/repo', img, 'v1')).status).toBe(201);
  before = await snapshot(reg.dir);
});

const CASES: Array<[label: string, body: Buffer, contentType: string]> = [
  ['foreign layer urls a string', image({}, [{ mediaType: FOREIGN, digest: sha('f'), size: 1, urls: 'http://example.com/f' }]), OCI_MANIFEST],
  ['foreign layer urls an object', image({}, [{ mediaType: FOREIGN, digest: sha('f'), size: 1, urls: { 0: 'http://example.com/f' } }]), OCI_MANIFEST],
  ['foreign layer urls a number', image({}, [{ mediaType: FOREIGN, digest: sha('f'), size: 1, urls: 5 }]), OCI_MANIFEST],
  ['layer urls holding a number', image({}, [{ ...layer, urls: [1] }]), OCI_MANIFEST],
  ['annotations a string', image({ annotations: 'x' }), OCI_MANIFEST],
  ['annotations an array', image({ annotations: ['a'] }), OCI_MANIFEST],
  ['annotation value a number', image({ annotations: { a: 1 } }), OCI_MANIFEST],
  ['artifactType a number', image({ artifactType: 5 }), OCI_MANIFEST],
  ['layer annotations a string', image({}, [{ ...layer, annotations: 'x' }]), OCI_MANIFEST],
  ['config annotation value an object', image({ config: { ...config, annotations: { a: {} } } }), OCI_MANIFEST],
  ['subject annotations an array', image({ subject: { ...child, digest: SUBJECT, annotations: [] } }), OCI_MANIFEST],
  ['index annotations a string', index([child], OCI_INDEX, { annotations: 'x' }), OCI_INDEX],
  ['index child platform a string', index([{ ...child, platform: 'linux/amd64' }], DOCKER_LIST), DOCKER_LIST],
  ['index child platform an array', index([{ ...child, platform: ['linux'] }]), OCI_INDEX],
  ['index child platform.os a number', index([{ ...child, platform: { os: 1, architecture: 'amd64' } }]), OCI_INDEX],
  ['index child platform.variant an object', index([{ ...child, platform: { os: 'linux', architecture: 'arm64', variant: {} } }]), OCI_INDEX],
];

describe('manifests of the wrong shape → 400 MANIFEST_INVALID, nothing stored', () => {
  it.each(CASES)('%s', async (_label, body, contentType) => {
    const r = await putManifest(reg.url, 'shape/repo', 'bad', body, contentType);
    expect(r.status, r.body.toString()).toBe(400);
    expect(errorCode(r)).toBe('MANIFEST_INVALID');
    expect((await raw(reg.url, 'GET', '/v2/shape/repo/tags/list')).json<{ tags: string[] }>().tags).toEqual(['v1']);
    expect(await snapshot(reg.dir)).toEqual(before);
  });

  it('a referrer with annotations that are not strings is refused, so the referrers index stays valid', async () => {
    const r = await putManifest(reg.url, 'shape/repo', 'ref', image({ subject: { ...child, digest: SUBJECT }, annotations: { n: 1, s: 'x' } }));
    expect(r.status).toBe(400);
    const list = await raw(reg.url, 'GET', `/v2/shape/repo/referrers/${SUBJECT}`);
    expect(list.status).toBe(200);
    expect(list.json<{ manifests: unknown[] }>().manifests).toEqual([]);
    // the same referrer with string annotations (and JSON nulls, which distribution also accepts) is fine
    const ok = await putManifest(reg.url, 'shape/repo', 'ref', image({ subject: { ...child, digest: SUBJECT }, annotations: { n: '1' }, artifactType: null }, [{ ...layer, urls: null }]));
    expect(ok.status, ok.body.toString()).toBe(201);
    const listed = (await raw(reg.url, 'GET', `/v2/shape/repo/referrers/${SUBJECT}`)).json<{ manifests: Array<{ annotations: unknown }> }>();
    expect(listed.manifests.map((m) => m.annotations)).toEqual([{ n: '1' }]);
  });
});
