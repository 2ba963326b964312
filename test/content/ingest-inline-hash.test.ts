import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hashWorkerRunning } from '../../src/content/file-hasher.js';
import { INLINE_HASH_MAX_BYTES } from '../../src/content/layout/ingest.js';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { blobName } from '../../src/content/layout/paths.js';
import type { Digest } from '../../src/digest/digest.js';
import { DigestMismatchError } from '../../src/errors/errors.js';
import type { Descriptor } from '../../src/oci/types.js';
import { tempDir } from '../helpers/temp.js';

const LAYER = 'application/vnd.oci.image.layer.v1.tar';

function blob(size: number): { desc: Descriptor; bytes: Buffer } {
  const bytes = randomBytes(size);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
  return { desc: { mediaType: LAYER, digest, size }, bytes };
}

/** Raw bytes in several chunks, as a registry's unverified fetch hands them to a layout. */
const raw = (bytes: Buffer): Readable => Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]);

// The order matters: this file's module graph (and its hashing worker) is its own, and the first two
// tests run before anything has started the worker.
describe('layout ingest hashes small blobs in place until the hashing worker runs', () => {
  it('a small blob is stored, verified, without starting the worker', async () => {
    const dir = await tempDir('dist-inline-');
    const layout = await OciLayout.open(dir);
    const { desc, bytes } = blob(INLINE_HASH_MAX_BYTES);
    await layout.push(desc, raw(bytes));
    expect((await readFile(join(dir, blobName(desc.digest)))).equals(bytes)).toBe(true); // toEqual on 8 MiB takes minutes
    expect(hashWorkerRunning()).toBe(false);
  });

  it('a corrupt small blob is refused and leaves nothing behind', async () => {
    const dir = await tempDir('dist-inline-');
    const layout = await OciLayout.open(dir);
    const { desc, bytes } = blob(64 * 1024);
    const bad = Buffer.from(bytes);
    bad[5000] ^= 0xff;
    const err = await layout.push(desc, raw(bad)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(existsSync(join(dir, blobName(desc.digest)))).toBe(false);
    expect(await readdir(join(dir, '.dist-ingest'))).toEqual([]);
    expect(hashWorkerRunning()).toBe(false);
  });

  it('a larger blob goes to the worker, and so does a small one once it runs', async () => {
    const dir = await tempDir('dist-inline-');
    const layout = await OciLayout.open(dir);
    const big = blob(INLINE_HASH_MAX_BYTES + 1);
    await layout.push(big.desc, raw(big.bytes));
    expect(hashWorkerRunning()).toBe(true);
    const small = blob(4096);
    const bad = Buffer.from(small.bytes);
    bad[0] ^= 1;
    await expect(layout.push(small.desc, raw(bad))).rejects.toBeInstanceOf(DigestMismatchError);
    await layout.push(small.desc, raw(small.bytes));
    expect(await readFile(join(dir, blobName(small.desc.digest)))).toEqual(small.bytes);
  });
});
