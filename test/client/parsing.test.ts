import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChunkReader } from '../../src/client/chunks.js';
import { nextLink } from '../../src/client/link.js';
import { referrersTag } from '../../src/client/referrers.js';
import { nextOffset } from '../../src/client/upload-status.js';
import { digestOf } from '../../src/digest/digest.js';

describe('protocol header parsing', () => {
  it('upload Range: inclusive end, optional bytes= prefix, 0-0 ambiguity', () => {
    expect(nextOffset('0-1023')).toBe(1024);
    expect(nextOffset('bytes=0-99')).toBe(100);
    expect(nextOffset('0-0')).toBe(0);
    expect(nextOffset('0-0', 1)).toBe(1);
    expect(nextOffset('garbage')).toBeUndefined();
    expect(nextOffset(undefined)).toBeUndefined();
  });

  it('Link rel="next": relative (distribution) and absolute, among other rels', () => {
    const base = new URL('http://r:5000/v2/a/tags/list?n=2');
    expect(nextLink(['</v2/a/tags/list?n=2&last=b>; rel="next"'], base)?.href).toBe('http://r:5000/v2/a/tags/list?n=2&last=b');
    expect(nextLink(['<http://other/x?last=c>; rel=next'], base)?.href).toBe('http://other/x?last=c');
    expect(nextLink(['</prev>; rel="prev", </v2/_catalog?last=z&n=1>; rel="next"'], base)?.pathname).toBe('/v2/_catalog');
    expect(nextLink(['</v2/x>; rel="prev"'], base)).toBeUndefined();
    expect(nextLink([], base)).toBeUndefined();
  });

  it('referrers fallback tag is <alg>-<hex>', () => {
    const d = digestOf('x');
    expect(referrersTag(d)).toBe(`sha256-${d.slice(7)}`);
  });
});

describe('ChunkReader', () => {
  it('cuts fixed-size chunks across arbitrary source pieces and skips a prefix', async () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const pieces = [data.subarray(0, 7), data.subarray(7, 500), data.subarray(500, 501), data.subarray(501)];
    const r = new ChunkReader(Readable.from(pieces));
    expect(await r.skip(300)).toBe(300);
    const a = await r.read(256);
    const b = await r.read(256);
    const c = await r.read(256);
    expect([a.length, b.length, c.length]).toEqual([256, 256, 188]);
    expect(Buffer.concat([a, b, c]).equals(data.subarray(300))).toBe(true);
    expect(await r.atEnd()).toBe(true);
    expect((await r.read(10)).length).toBe(0);
    expect(r.position).toBe(1000);
  });
});
