import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCapped } from '../../src/content/read.js';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { blobName, partialName } from '../../src/content/layout/paths.js';
import { DigestMismatchError } from '../../src/errors/errors.js';
import { ANNOTATION_REF_NAME } from '../../src/oci/types.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { tempDir } from '../helpers/temp.js';

const tmp = async (): Promise<string> => tempDir('dist-layout-');

describe('OciLayout', () => {
  it('creates oci-layout and index.json, stores blobs by digest and records tags', async () => {
    const dir = await tmp();
    const layout = await OciLayout.open(dir);
    const img = await randomImage();
    await storeImage(layout, img.blobs, 'v1');
    expect(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    expect(index.manifests).toEqual([{ ...img.manifest.desc, annotations: { [ANNOTATION_REF_NAME]: 'v1' } }]);
    for (const b of img.blobs) expect(await readFile(join(dir, blobName(b.desc.digest)))).toEqual(b.bytes);
    expect((await layout.resolve('v1')).digest).toBe(img.manifest.desc.digest);
    expect((await layout.resolve(img.manifest.desc.digest)).mediaType).toBe(img.manifest.desc.mediaType);
    expect(await readCapped(await layout.fetch(img.layers[0]!.desc), 1 << 20)).toEqual(img.layers[0]!.bytes);
  });

  it('shares blobs between pulls of different tags and replaces a moved tag', async () => {
    const dir = await tmp();
    const layout = await OciLayout.open(dir);
    const a = await randomImage();
    const b = await randomImage();
    await storeImage(layout, a.blobs, 'a');
    await storeImage(layout, b.blobs, 'b');
    await storeImage(layout, b.blobs, 'a');
    const tags = (await layout.index()).manifests.map((d) => [d.annotations?.[ANNOTATION_REF_NAME], d.digest]);
    expect(tags.sort()).toEqual([['a', b.manifest.desc.digest], ['b', b.manifest.desc.digest]]);
    expect((await readdir(join(dir, 'blobs/sha256'))).length).toBe(a.blobs.length + b.blobs.length);
  });

  it('concurrent tag updates from parallel writers all land in index.json', async () => {
    const dir = await tmp();
    const layouts = await Promise.all(Array.from({ length: 3 }, () => OciLayout.open(dir)));
    const img = await randomImage({ layers: 1 });
    await storeImage(layouts[0]!, img.blobs);
    await Promise.all(Array.from({ length: 12 }, (_, i) => layouts[i % 3]!.tag(img.manifest.desc, `t${i}`)));
    expect((await layouts[0]!.tags()).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `t${i}`).sort());
  });

  it('a corrupt blob is rejected, named, and leaves no file behind', async () => {
    const dir = await tmp();
    const layout = await OciLayout.open(dir);
    const img = await randomImage({ layers: 1 });
    const bad = Buffer.from(img.layers[0]!.bytes);
    bad[100] ^= 0xff;
    const err = await layout.push(img.layers[0]!.desc, Readable.from([bad])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(String((err as Error).message)).toContain(img.layers[0]!.desc.digest);
    expect(existsSync(join(dir, blobName(img.layers[0]!.desc.digest)))).toBe(false);
    expect(await readdir(join(dir, '.dist-ingest'))).toEqual([]);
  });

  it('an interrupted write keeps a partial file that a resumed write completes', async () => {
    const dir = await tmp();
    const layout = await OciLayout.open(dir);
    const img = await randomImage({ layers: 1, size: 200_000 });
    const { desc, bytes } = img.layers[0]!;
    const cut = 70_000;
    let sent = false;
    const failing = new Readable({
      read() {
        if (sent) return void setTimeout(() => this.destroy(new Error('connection reset')), 20);
        sent = true;
        this.push(bytes.subarray(0, cut));
      },
    });
    await expect(layout.push(desc, failing)).rejects.toThrow('connection reset');
    expect(existsSync(join(dir, blobName(desc.digest)))).toBe(false);
    expect(await layout.partialSize(desc)).toBe(cut);
    await layout.push(desc, Readable.from([bytes.subarray(cut)]), { offset: cut });
    expect(await readFile(join(dir, blobName(desc.digest)))).toEqual(bytes);
    expect(existsSync(join(dir, partialName(desc.digest)))).toBe(false);
  });

  it('a resumed write over a corrupt partial fails verification and discards the partial', async () => {
    const dir = await tmp();
    const layout = await OciLayout.open(dir);
    const img = await randomImage({ layers: 1, size: 50_000 });
    const { desc, bytes } = img.layers[0]!;
    await writeFile(join(dir, partialName(desc.digest)), Buffer.alloc(1000, 7));
    expect(await layout.partialSize(desc)).toBe(1000);
    await expect(layout.push(desc, Readable.from([bytes.subarray(1000)]), { offset: 1000 })).rejects.toBeInstanceOf(DigestMismatchError);
    expect(await layout.partialSize(desc)).toBe(0);
    expect(existsSync(join(dir, blobName(desc.digest)))).toBe(false);
  });

  it('fetch verifies content already on disk', async () => {
    const dir = await tmp();
    const layout = await OciLayout.open(dir);
    const img = await randomImage({ layers: 1 });
    await storeImage(layout, img.blobs, 'x');
    await writeFile(join(dir, blobName(img.config.desc.digest)), Buffer.from('{"tampered":true}'));
    await expect(readCapped(await layout.fetch(img.config.desc), 1 << 20)).rejects.toThrow(/mismatch/);
  });

  it('refuses to turn a non-empty directory that is not a layout into one', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(OciLayout.open(dir)).rejects.toThrow(/not an OCI image layout/);
    expect(existsSync(join(dir, 'oci-layout'))).toBe(false);
  });
});
