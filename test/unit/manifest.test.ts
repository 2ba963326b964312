import { describe, expect, it } from 'vitest';
import { parseManifest, referencedDescriptors } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { parsePlatform, platformMatches } from '../../src/oci/platform.js';

const d = (c: string) => ({ mediaType: 'application/octet-stream', digest: 'sha256:' + c.repeat(64), size: 1 });
const enc = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('parseManifest', () => {
  it('parses an OCI image manifest and lists its references', () => {
    const p = parseManifest(enc({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: d('a'), layers: [d('b')] }));
    expect(p.kind).toBe('image');
    expect(referencedDescriptors(p).map((x) => x.digest)).toEqual([d('a').digest, d('b').digest]);
  });

  it('takes the media type from Content-Type when the field is absent', () => {
    expect(parseManifest(enc({ schemaVersion: 2, config: d('a'), layers: [] }), MediaType.DockerManifest).mediaType).toBe(MediaType.DockerManifest);
    expect(parseManifest(enc({ schemaVersion: 2, manifests: [] })).mediaType).toBe(MediaType.OciIndex);
  });

  it.each([
    ['not json', Buffer.from('{')],
    ['array', enc([])],
    ['bad schemaVersion', enc({ schemaVersion: 3 })],
    ['missing config', enc({ schemaVersion: 2, mediaType: MediaType.OciManifest, layers: [] })],
    ['bad layer digest', enc({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: d('a'), layers: [{ ...d('b'), digest: 'x' }] })],
    ['negative size', enc({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { ...d('a'), size: -1 }, layers: [] })],
    ['unknown type', enc({ schemaVersion: 2, mediaType: 'application/x-foo', config: d('a'), layers: [] })],
  ])('rejects %s with MANIFEST_INVALID', (_n, bytes) => {
    expect(() => parseManifest(bytes)).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID' }));
  });

  it('rejects a Content-Type that disagrees with mediaType', () => {
    expect(() => parseManifest(enc({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: d('a'), layers: [] }), MediaType.DockerManifest)).toThrow(/does not match/);
  });
});

describe('platforms', () => {
  it('parses and matches', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(platformMatches(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(false);
    expect(() => parsePlatform('linux')).toThrow(/os\/arch/);
  });
});
