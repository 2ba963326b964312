import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { blobName } from '../../src/content/layout/paths.js';
import type { Digest } from '../../src/digest/digest.js';
import { VerifyingStream } from '../../src/digest/digester.js';
import { DigestMismatchError } from '../../src/errors/errors.js';
import { randomImage } from '../helpers/layout-fixture.js';
import { tempDir } from '../helpers/temp.js';

const tmp = async (): Promise<string> => tempDir('dist-ingest-');

/** A body as a registry fetch hands it over: piped through a VerifyingStream for (digest, size). */
function verifyingBody(bytes: Buffer, digest: Digest, size: number): VerifyingStream {
  const v = new VerifyingStream({ digest, size, what: `blob ${digest}` });
  return pipeline(Readable.from([bytes]), v, () => {});
}

// Ingest skips its own hashing when the body is a VerifyingStream for the same digest and size:
// these tests pin that the skip never lets wrong content into the layout.
describe('layout ingest of self-verifying bodies', () => {
  it('stores good content from a VerifyingStream body', async () => {
    const dir = await tmp();
    const layout = await OciLayout.open(dir);
    const { desc, bytes } = (await randomImage({ layers: 1 })).layers[0]!;
    await layout.push(desc, verifyingBody(bytes, desc.digest, desc.size));
    expect(await readFile(join(dir, blobName(desc.digest)))).toEqual(bytes);
  });

  it('corrupt content behind a VerifyingStream is rejected and leaves no file', async () => {
    const dir = await tmp();
    const layout = await OciLayout.open(dir);
    const { desc, bytes } = (await randomImage({ layers: 1 })).layers[0]!;
    const bad = Buffer.from(bytes);
    bad[10] ^= 0xff;
    const err = await layout.push(desc, verifyingBody(bad, desc.digest, desc.size)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(existsSync(join(dir, blobName(desc.digest)))).toBe(false);
    expect(await readdir(join(dir, '.dist-ingest'))).toEqual([]);
  });

  it('a VerifyingStream for another digest does not vouch for the expected one', async () => {
    const dir = await tmp();
    const layout = await OciLayout.open(dir);
    const img = await randomImage({ layers: 2 });
    const [a, b] = [img.layers[0]!, img.layers[1]!];
    // b's bytes, verified as b, offered as a: the stream passes, ingest must still hash and refuse.
    const err = await layout.push(a.desc, verifyingBody(b.bytes, b.desc.digest, b.desc.size)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(existsSync(join(dir, blobName(a.desc.digest)))).toBe(false);
  });
});
