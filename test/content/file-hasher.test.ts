import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hashFileBehindWriter, hashWorkerRunning } from '../../src/content/file-hasher.js';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import type { Digest } from '../../src/digest/digest.js';
import { DigestMismatchError } from '../../src/errors/errors.js';
import { tempDir } from '../helpers/temp.js';

const sha = (b: Buffer, alg = 'sha256'): Digest => `${alg}:${createHash(alg).update(b).digest('hex')}` as Digest;

/** Write `data` to `path` in `piece`-byte writes, telling `wrote` after each (what a layout ingest does). */
function writeInPieces(path: string, data: Buffer, piece: number, wrote: (n: number) => void, flags = 'w'): void {
  const fd = openSync(path, flags);
  try {
    for (let at = 0; at < data.length; at += piece) {
      writeSync(fd, data, at, Math.min(piece, data.length - at));
      wrote(Math.min(at + piece, data.length));
    }
  } finally {
    closeSync(fd);
  }
}

// A layout hashes each blob by reading the file back on a worker thread, behind the writer.
describe('hashing files behind their writer', () => {
  it('the digest is the file\'s, for files written in many pieces (sha256 and sha512), several at once', async () => {
    const dir = tempDir();
    const files = [randomBytes(9 * 1024 * 1024 + 17), randomBytes(1), randomBytes(4 * 1024 * 1024), Buffer.alloc(0)];
    const results = await Promise.all(files.map(async (data, i) => {
      const path = join(dir, String(i));
      writeFileSync(path, '');
      const alg = i === 2 ? 'sha512' : 'sha256';
      const h = hashFileBehindWriter(path, alg);
      writeInPieces(path, data, 300 * 1024 + 1, (n) => h.wrote(n));
      return (await h.digest(data.length)) === sha(data, alg);
    }));
    expect(results).toEqual([true, true, true, true]);
    expect(hashWorkerRunning()).toBe(true); // hashed off this thread, not by the fallback
  });

  it('a resumed file is hashed from byte 0: the bytes of the earlier run are included', async () => {
    const dir = tempDir();
    const path = join(dir, 'partial');
    const data = randomBytes(6 * 1024 * 1024);
    writeFileSync(path, data.subarray(0, 2_500_000)); // an earlier, interrupted run
    const h = hashFileBehindWriter(path, 'sha256');
    writeInPieces(path, data.subarray(2_500_000), 512 * 1024, (n) => h.wrote(2_500_000 + n), 'a');
    expect(await h.digest(data.length)).toBe(sha(data));
  });

  it('a file that lost bytes under the hasher gives a digest that does not match (and never hangs)', async () => {
    const dir = tempDir();
    const path = join(dir, 'shrunk');
    const data = randomBytes(8 * 1024 * 1024);
    writeFileSync(path, '');
    const h = hashFileBehindWriter(path, 'sha256');
    writeInPieces(path, data, 1024 * 1024, () => {});
    truncateSync(path, 1000); // e.g. another process truncated it
    const got = await h.digest(data.length);
    expect(got).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(got).not.toBe(sha(data));
  });

  it('cancel() ends a job; the next job still works', async () => {
    const dir = tempDir();
    const a = join(dir, 'a');
    writeFileSync(a, randomBytes(5 * 1024 * 1024));
    const h1 = hashFileBehindWriter(a, 'sha256');
    h1.wrote(5 * 1024 * 1024);
    h1.cancel();
    const data = randomBytes(4096);
    const b = join(dir, 'b');
    writeFileSync(b, data);
    const h2 = hashFileBehindWriter(b, 'sha256');
    expect(await h2.digest(data.length)).toBe(sha(data));
  });

  it('a layout refuses a raw body whose bytes do not match, and keeps nothing', async () => {
    const dir = tempDir();
    const layout = await OciLayout.open(dir);
    const good = randomBytes(5 * 1024 * 1024);
    const bad = Buffer.from(good);
    bad[4 * 1024 * 1024] ^= 0x80;
    const desc = { mediaType: 'application/octet-stream', digest: sha(good), size: good.length };
    const err = await layout.push(desc, Readable.from([bad.subarray(0, 3_000_000), bad.subarray(3_000_000)])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(await layout.exists(desc)).toBe(false);
    await layout.push(desc, Readable.from([good]));
    expect(await layout.exists(desc)).toBe(true);
  });
});
