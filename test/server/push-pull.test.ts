import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { OCI_MANIFEST as OCI, pushBlob as pushBlobTo, sha } from './util.js';

const reg = shared(startRegistry);
const pushBlob = (name: string, data: Buffer): Promise<string> => pushBlobTo(reg.url, name, data);

describe('core push/pull', () => {
  it('GET /v2/ answers 200 {} with the API version header', async () => {
    const r = await fetch(`${reg.url}/v2/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(await r.json()).toEqual({});
  });

  it('pushes blobs and a manifest by tag, then pulls them back byte for byte', async () => {
    const layer = randomBytes(100_000);
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const ld = await pushBlob('lib/app', layer);
    const cd = await pushBlob('lib/app', config);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cd, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: ld, size: layer.length }],
    }));
    const put = await fetch(`${reg.url}/v2/lib/app/manifests/v1`, { method: 'PUT', body: manifest, headers: { 'Content-Type': OCI } });
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(sha(manifest));
    const got = await fetch(`${reg.url}/v2/lib/app/manifests/v1`, { headers: { Accept: OCI } });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe(OCI);
    expect(Buffer.from(await got.arrayBuffer()).equals(manifest)).toBe(true);
    const blob = await fetch(`${reg.url}/v2/lib/app/blobs/${ld}`);
    expect(blob.status).toBe(200);
    expect(Buffer.from(await blob.arrayBuffer()).equals(layer)).toBe(true);
    const tags = await fetch(`${reg.url}/v2/lib/app/tags/list`);
    expect(await tags.json()).toEqual({ name: 'lib/app', tags: ['v1'] });
  });
});
