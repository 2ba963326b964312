import { Readable } from 'node:stream';
import { buffer as drain } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import type { Target } from '../../src/content/target.js';
import type { Descriptor } from '../../src/oci/types.js';
import { tinyImage } from './tiny-image.js';

const NOT_FOUND = /UNKNOWN|NOT_FOUND|ENOENT/;

/**
 * The behaviour every `Target` shares (memory store, OCI layout, archives, remote repository):
 * call it inside a test file with a factory that returns a fresh, empty target.
 */
export function targetConformance(name: string, make: () => Promise<Target>): void {
  describe(`Target conformance: ${name}`, () => {
    it('push a blob, then exists and fetch give it back', async () => {
      const t = await make();
      const img = tinyImage([2048]);
      const l = img.layers[0]!;
      expect(await t.exists(l.desc)).toBe(false);
      await t.push(l.desc, Readable.from([l.bytes]));
      expect(await t.exists(l.desc)).toBe(true);
      expect((await drain(await t.fetch(l.desc))).equals(l.bytes)).toBe(true);
    });

    it('a manifest pushed by digest resolves, tags, and fetches byte for byte', async () => {
      const t = await make();
      const img = tinyImage([100, 200]);
      for (const b of [img.config, ...img.layers]) await t.push(b.desc, Readable.from([b.bytes]));
      await t.push(img.manifest.desc, Readable.from([img.manifest.bytes]));
      expect(await t.exists(img.manifest.desc)).toBe(true);
      const byDigest = await t.resolve(img.manifest.desc.digest);
      expect({ digest: byDigest.digest, size: byDigest.size, mediaType: byDigest.mediaType }).toEqual({ digest: img.manifest.desc.digest, size: img.manifest.desc.size, mediaType: img.manifest.desc.mediaType });
      await t.tag(img.manifest.desc, 'v1');
      expect((await t.resolve('v1')).digest).toBe(img.manifest.desc.digest);
      expect((await drain(await t.fetch(img.manifest.desc))).equals(img.manifest.bytes)).toBe(true);
    });

    it('content that does not match its descriptor is refused and never becomes visible', async () => {
      const t = await make();
      const l = tinyImage([1000]).layers[0]!;
      const wrong: Descriptor = { ...l.desc, digest: digestOf(Buffer.from('something else')) };
      await expect(t.push(wrong, Readable.from([l.bytes]))).rejects.toThrow();
      expect(await t.exists(wrong)).toBe(false);
    });

    it('unknown content and tags are not found', async () => {
      const t = await make();
      const l = tinyImage([10]).layers[0]!;
      expect(await t.exists(l.desc)).toBe(false);
      await expect(t.fetch(l.desc).then(drain)).rejects.toMatchObject({ code: expect.stringMatching(NOT_FOUND) });
      await expect(t.resolve('no-such-tag')).rejects.toMatchObject({ code: expect.stringMatching(NOT_FOUND) });
    });
  });
}
