import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import { Schema1LayerStream } from '../../src/legacy/layer-stream.js';
import { tarOf } from './tar-writer.js';

const tar = tarOf([{ name: 'f', body: 'hello' }]);
const gz = gzipSync(tar);

async function facts(blobSum: string, chunks: Buffer[]): Promise<Schema1LayerStream['facts']> {
  const s = new Schema1LayerStream(blobSum);
  await pipeline(Readable.from(chunks), s, new Writable({ write: (_c, _e, cb) => cb() }));
  return s.facts;
}

describe('schema 1 layer stream: the gzip magic split across chunks', () => {
  it('a first chunk of one byte still gunzips: the diff ID is the sha256 of the tar', async () => {
    const f = await facts(digestOf(gz), [gz.subarray(0, 1), gz.subarray(1, 2), gz.subarray(2)]);
    expect(f?.diffId).toBe(digestOf(tar));
    expect(f?.size).toBe(gz.length);
  });

  it('a one-byte layer is plain: digest and diff ID are its sha256', async () => {
    const one = Buffer.from([0x1f]);
    const f = await facts(digestOf(one), [one]);
    expect(f?.diffId).toBe(digestOf(one));
  });
});
