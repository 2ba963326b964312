import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseTarsumDigest } from '../../src/legacy/tarsum/fields.js';
import { tarsumOf, TarSumStream } from '../../src/legacy/tarsum/stream.js';
import { TarSum } from '../../src/legacy/tarsum/tarsum.js';
import { tarEntry, tarOf } from './tar-writer.js';
import { testdata } from './testdata.js';

const L46 = '46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457';
const EMPTY_V1 = 'tarsum.v1+sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function chunks(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

describe('TarSum streaming', () => {
  it('an empty archive (1024 zero bytes) and an empty stream both give H("") (§5.3 step 5)', async () => {
    expect(await tarsumOf(Readable.from([Buffer.alloc(1024)]))).toBe(EMPTY_V1);
    expect(await tarsumOf(Readable.from([]))).toBe(EMPTY_V1);
  });

  it('gives the same sum whatever the chunking (1-byte, 7-byte, 511-byte chunks), plain and gzip', async () => {
    const tar = testdata('tarsum', L46, 'layer.tar');
    const want = 'tarsum.v1+sha256:41cd5c911333ee394776e432fc5a27cc82dfea313e5feff965e31c0fddd9213d';
    for (const size of [1, 7, 511]) {
      expect(await tarsumOf(Readable.from(chunks(tar, size)))).toBe(want);
      expect(await tarsumOf(Readable.from(chunks(gzipSync(tar), size)))).toBe(want);
    }
  });

  it('sha512 gives a 128-hex tarsum.v1+sha512 digest', async () => {
    const got = await tarsumOf(Readable.from([tarOf([{ name: 'a', body: 'x' }])]), { hash: 'sha512' });
    expect(got).toMatch(/^tarsum\.v1\+sha512:[0-9a-f]{128}$/);
    expect(parseTarsumDigest(got)).toMatchObject({ version: 'v1', hash: 'sha512' });
  });

  it('is independent of entry order (sums are sorted) but not of content', async () => {
    const a = { name: 'a', body: 'one' };
    const b = { name: 'b', body: 'two' };
    const ab = await tarsumOf(Readable.from([tarOf([a, b])]));
    expect(await tarsumOf(Readable.from([tarOf([b, a])]))).toBe(ab);
    expect(await tarsumOf(Readable.from([tarOf([a, { ...b, body: 'twO' }])]))).not.toBe(ab);
  });

  it('v1 ignores mtime, v0 does not', async () => {
    const t1 = tarOf([{ name: 'f', mtime: 1 }]);
    const t2 = tarOf([{ name: 'f', mtime: 2 }]);
    expect(await tarsumOf(Readable.from([t1]))).toBe(await tarsumOf(Readable.from([t2])));
    expect(await tarsumOf(Readable.from([t1]), { version: 'v0' })).not.toBe(await tarsumOf(Readable.from([t2]), { version: 'v0' }));
  });

  it('fails on a truncated archive and on a corrupt header checksum', async () => {
    const tar = tarOf([{ name: 'f', body: 'hello world' }]);
    await expect(tarsumOf(Readable.from([tar.subarray(0, 600)]))).rejects.toThrow(/unexpected end/);
    const bad = Buffer.from(tar);
    bad[0] = 0x5a;
    await expect(tarsumOf(Readable.from([bad]))).rejects.toThrow(/checksum/);
    await expect(tarsumOf(Readable.from([gzipSync(tar).subarray(0, 20)]))).rejects.toThrow();
  });

  it('passThrough re-emits the input bytes unchanged while summing', async () => {
    const tar = testdata('tarsum', L46, 'layer.tar');
    const ts = new TarSumStream({ passThrough: true });
    const out: Buffer[] = [];
    ts.on('data', (c: Buffer) => out.push(c));
    await new Promise<void>((res, rej) => Readable.from(chunks(tar, 1000)).pipe(ts).on('finish', res).on('error', rej));
    expect(Buffer.concat(out).equals(tar)).toBe(true);
    expect(ts.sum).toBe('tarsum.v1+sha256:41cd5c911333ee394776e432fc5a27cc82dfea313e5feff965e31c0fddd9213d');
    expect(ts.entries).toBe(9);
  });

  it('a PAX path and a GNU long name replace the header name', async () => {
    const long = `${'d/'.repeat(60)}file`;
    const fileSum = createHash('sha256').update(`name${long}mode0uid0gid0size1typeflag0linknameunamegnamedevmajor0devminor0x`).digest('hex');
    const want = `tarsum.v1+sha256:${createHash('sha256').update(fileSum).digest('hex')}`;
    const gnu = Buffer.concat([tarEntry({ name: '././@LongLink', typeflag: 'L', body: `${long}\0` }), tarOf([{ name: 'short', body: 'x' }])]);
    expect(await tarsumOf(Readable.from([gnu]))).toBe(want);
    expect(await tarsumOf(Readable.from([tarOf([{ name: 'short', body: 'x', pax: { path: long } }])]))).toBe(want);
    expect(await tarsumOf(Readable.from([tarOf([{ name: 'short', body: 'x' }])]))).not.toBe(want);
  });

  it('parses tarsum digest labels', () => {
    expect(parseTarsumDigest('tarsum+sha256:' + 'a'.repeat(64))).toEqual({ version: 'v0', hash: 'sha256', hex: 'a'.repeat(64) });
    expect(parseTarsumDigest('tarsum.dev+sha256:' + 'a'.repeat(64))?.version).toBe('dev');
    expect(parseTarsumDigest('tarsum.v1+md5:' + 'a'.repeat(32))).toBeUndefined();
    expect(parseTarsumDigest('sha256:' + 'a'.repeat(64))).toBeUndefined();
  });
});
