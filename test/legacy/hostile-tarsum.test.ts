import { describe, expect, it } from 'vitest';
import { TarError } from '../../src/legacy/tarsum/header.js';
import { TarSum } from '../../src/legacy/tarsum/tarsum.js';
import { tarEntry, tarOf } from './tar-writer.js';

function sumOf(tar: Buffer): string {
  const ts = new TarSum();
  ts.update(tar);
  return ts.digest();
}

/** A PAX `x` header (with no entry after it) of ~`bytes` of distinct `SCHILY.xattr.<tag>N` records. */
function paxOnly(tag: string, bytes: number): Buffer {
  const xattrs: Record<string, string> = {};
  for (let i = 0; i * 24 < bytes; i++) xattrs[`${tag}${i}`] = 'v';
  const both = tarEntry({ name: 'f', xattrs });
  return both.subarray(0, both.length - 512); // drop the file header: only the PAX header and its data
}

describe('TarSum refuses hostile archives', () => {
  it('a PAX size of -1 is an invalid header (Go archive/tar: ErrHeader), not an entry', () => {
    expect(() => sumOf(tarOf([{ name: 'f', pax: { size: '-1' } }]))).toThrow(TarError);
    expect(sumOf(tarOf([{ name: 'f', pax: { size: '0' } }]))).toMatch(/^tarsum\.v1\+sha256:[a-f0-9]{64}$/);
  });

  it('more than 1 MiB of PAX metadata piled up before one entry is refused (memory, quadratic merging)', () => {
    const pile = Buffer.concat([paxOnly('a', 600_000), paxOnly('b', 600_000), tarOf([{ name: 'f' }])]);
    expect(() => sumOf(pile)).toThrow(/metadata/);
    // 1 MiB per entry is still fine
    expect(sumOf(Buffer.concat([paxOnly('a', 600_000), tarEntry({ name: 'f' }), paxOnly('b', 600_000), tarOf([{ name: 'g' }])]))).toMatch(/^tarsum/);
  });
});
