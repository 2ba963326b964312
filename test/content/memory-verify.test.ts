import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/content/memory.js';
import { readCapped } from '../../src/content/read.js';
import type { Fetcher } from '../../src/content/target.js';
import { VerifyingFetcher } from '../../src/content/verify.js';
import { DigestMismatchError, SizeMismatchError } from '../../src/errors/errors.js';
import type { Descriptor } from '../../src/oci/types.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';

describe('MemoryStore', () => {
  it('stores verified content, resolves tags and digests, refuses corrupt content', async () => {
    const m = new MemoryStore();
    const img = await randomImage({ layers: 1 });
    await storeImage(m, img.blobs, 'v1');
    expect((await m.resolve('v1')).digest).toBe(img.manifest.desc.digest);
    expect((await m.resolve(img.manifest.desc.digest)).mediaType).toBe(img.manifest.desc.mediaType);
    await expect(m.resolve(img.layers[0]!.desc.digest)).rejects.toThrow(/manifest unknown/);
    expect(await readCapped(await m.fetch(img.layers[0]!.desc, { offset: 10 }), 1 << 20)).toEqual(img.layers[0]!.bytes.subarray(10));
    const other = await randomImage({ layers: 1 });
    await expect(m.push(other.layers[0]!.desc, Readable.from([img.layers[0]!.bytes]))).rejects.toBeInstanceOf(Error);
    expect(await m.exists(other.layers[0]!.desc)).toBe(false);
  });
});

describe('VerifyingFetcher', () => {
  const lying = (bytes: Buffer): Fetcher => ({ fetch: async () => Readable.from([bytes]) });
  it('passes matching content and fails on digest or size mismatch', async () => {
    const img = await randomImage({ layers: 1, size: 1000 });
    const { desc, bytes } = img.layers[0]!;
    expect(await readCapped(await new VerifyingFetcher(lying(bytes)).fetch(desc), 1 << 20)).toEqual(bytes);
    const flipped = Buffer.from(bytes);
    flipped[5] ^= 1;
    await expect(readCapped(await new VerifyingFetcher(lying(flipped)).fetch(desc), 1 << 20)).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(readCapped(await new VerifyingFetcher(lying(Buffer.concat([bytes, Buffer.from('x')]))).fetch(desc), 1 << 20)).rejects.toBeInstanceOf(SizeMismatchError);
    const short: Descriptor = { ...desc, size: desc.size + 1 };
    await expect(readCapped(await new VerifyingFetcher(lying(bytes)).fetch(short), 1 << 20)).rejects.toBeInstanceOf(SizeMismatchError);
  });
});
