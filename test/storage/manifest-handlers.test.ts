import { describe, expect, it } from 'vitest';
import type { Digest } from '../../src/digest/digest.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { imageManifestHandler, indexHandler } from '../../src/storage/manifest-handlers.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;

/** A context over a fixed set of present digests that counts its lookups. */
function ctxOver(present: string[]): { lookups: string[]; blobExists(x: Digest): Promise<boolean>; manifestExists(x: Digest): Promise<boolean>; name: string } {
  const lookups: string[] = [];
  const has = async (x: Digest): Promise<boolean> => {
    lookups.push(x);
    return present.includes(x);
  };
  return { name: 'r', lookups, blobExists: has, manifestExists: has };
}

describe('manifest reference checks', () => {
  it('looks up a layer listed many times once, and still refuses a missing one after it', async () => {
    const layer = { mediaType: MediaType.OciLayer, digest: d('b'), size: 1 };
    const m = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: d('a'), size: 1 }, layers: Array(5000).fill(layer) };
    const ok = ctxOver([d('a'), d('b')]);
    const bytes = Buffer.from(JSON.stringify(m));
    await imageManifestHandler.validate(parseManifest(bytes, MediaType.OciManifest), bytes, ok);
    expect(ok.lookups).toEqual([d('a'), d('b')]);
    const missing = Buffer.from(JSON.stringify({ ...m, layers: [...m.layers, { ...layer, digest: d('c') }] }));
    await expect(imageManifestHandler.validate(parseManifest(missing, MediaType.OciManifest), missing, ctxOver([d('a'), d('b')]))).rejects.toMatchObject({ code: 'MANIFEST_BLOB_UNKNOWN' });
  });

  it('looks up a child listed many times in an index once', async () => {
    const child = { mediaType: MediaType.OciManifest, digest: d('e'), size: 1 };
    const idx = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: Array(3000).fill(child) }));
    const ctx = ctxOver([d('e')]);
    await indexHandler.validate(parseManifest(idx, MediaType.OciIndex), idx, ctx);
    expect(ctx.lookups).toEqual([d('e')]);
  });
});
