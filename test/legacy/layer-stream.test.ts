import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import { DigestMismatchError } from '../../src/errors/errors.js';
import { Schema1LayerStream } from '../../src/legacy/layer-stream.js';
import { testdata } from './testdata.js';

const tar = testdata('tarsum', '46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457', 'layer.tar');
const gz = gzipSync(tar);
const TARSUM = 'tarsum.v1+sha256:41cd5c911333ee394776e432fc5a27cc82dfea313e5feff965e31c0fddd9213d';

async function run(blobSum: string, data: Buffer): Promise<{ s: Schema1LayerStream; out: Buffer }> {
  const s = new Schema1LayerStream(blobSum);
  const parts: Buffer[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (parts.push(c), cb()) });
  await pipeline(Readable.from([data.subarray(0, 100), data.subarray(100)]), s, sink);
  return { s, out: Buffer.concat(parts) };
}

describe('Schema1LayerStream', () => {
  it('checks a sha256 blobSum and reports size and diff ID, passing bytes through', async () => {
    const { s, out } = await run(digestOf(gz), gz);
    expect(out.equals(gz)).toBe(true);
    expect(s.facts).toEqual({ digest: digestOf(gz), size: gz.length, diffId: digestOf(tar) });
  });

  it('checks a tarsum blobSum over the uncompressed tar', async () => {
    const { s } = await run(TARSUM, gz);
    expect(s.facts?.tarsum).toBe(TARSUM);
    expect(s.facts?.digest).toBe(digestOf(gz));
  });

  it('fails on a mismatching blobSum (sha256 or tarsum)', async () => {
    await expect(run(digestOf(tar), gz)).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(run(TARSUM.replace('41cd', '41ce'), gz)).rejects.toBeInstanceOf(DigestMismatchError);
  });
});
