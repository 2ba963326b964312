import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TarError } from '../../src/legacy/tarsum/header.js';
import { tarsumOf } from '../../src/legacy/tarsum/stream.js';
import { MAX_ENTRIES, MAX_NAME_BYTES, TarSum } from '../../src/legacy/tarsum/tarsum.js';
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

describe('TarSum bounds what it holds until the end (every entry name and sum, to sort them)', () => {
  const entries = (n: number, name = (i: number) => `f${i}`): Buffer => tarOf(Array.from({ length: n }, (_, i) => ({ name: name(i) })));

  it('defaults: 2^20 entries, 64 MiB of names (a gzip bomb of empty entries or long names cannot exhaust the heap)', () => {
    expect(MAX_ENTRIES).toBe(1 << 20);
    expect(MAX_NAME_BYTES).toBe(64 * 1024 * 1024);
  });

  it('more entries than maxEntries is a TarError, exactly maxEntries is fine', () => {
    const at = (tar: Buffer, maxEntries: number): string => {
      const ts = new TarSum({ maxEntries });
      ts.update(tar);
      return ts.digest();
    };
    expect(at(entries(5), 5)).toMatch(/^tarsum/);
    expect(() => at(entries(6), 5)).toThrow(/more than 5 entries/);
  });

  it('names longer in total than maxNameBytes is a TarError (through the stream too)', async () => {
    const tar = entries(4, (i) => `${'n'.repeat(90)}${i}`);
    await expect(tarsumOf(Readable.from([tar]), { maxNameBytes: 300 })).rejects.toThrow(/names exceed 300 bytes/);
    expect(await tarsumOf(Readable.from([tar]), { maxNameBytes: 400 })).toMatch(/^tarsum/);
  });
});

describe('PAX numbers are parsed as Go parses them (anything else is an invalid header)', () => {
  const sum = (pax: Record<string, string>): string => sumOf(tarOf([{ name: 'f', pax }]));
  for (const [k, v] of [['uid', '1.5'], ['gid', ''], ['size', '0x10'], ['uid', '1e3'], ['mtime', 'abc'], ['mtime', '1e400'], ['mtime', ''], ['size', ' 1']]) {
    it(`${k}=${JSON.stringify(v)} is refused`, () => {
      expect(() => sum({ [k]: v })).toThrow(TarError);
    });
  }

  it('valid forms give the same sums as the plain header fields would', () => {
    expect(sum({ uid: '+7', gid: '8' })).toBe(sumOf(tarOf([{ name: 'f', uid: 7, gid: 8 }])));
    expect(sum({ mtime: '1700000000.999999999' })).toBe(sumOf(tarOf([{ name: 'f', mtime: 1700000000 }])));
  });

  it('an invalid value is quoted at most 40 characters long in the error', () => {
    expect(() => sum({ uid: 'x'.repeat(100_000) })).toThrow(/^invalid PAX uid "x{40}"$/);
  });
});
