import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { digestOf, EMPTY_SHA256, isDigest, parseDigest } from '../../src/digest/digest.js';
import { VerifyingStream } from '../../src/digest/digester.js';
import { DigestMismatchError, RegistryError, SizeMismatchError } from '../../src/errors/errors.js';

const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

describe('digests', () => {
  it('known digests', () => {
    expect(digestOf('')).toBe(EMPTY_SHA256);
    expect(digestOf('{}')).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(digestOf(Buffer.alloc(1024))).toBe('sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef');
  });

  it.each([
    ['sha256:' + 'a'.repeat(64), true],
    ['sha512:' + 'a'.repeat(128), true],
    ['sha256:' + 'A'.repeat(64), false],
    ['sha256:' + 'a'.repeat(63), false],
    ['sha256:', false],
    ['md5:abc', false],
    ['sha256:../../etc', false],
    ['tarsum.v1+sha256:' + 'a'.repeat(64), false],
  ])('isDigest(%s) = %s', (d, ok) => {
    expect(isDigest(d)).toBe(ok);
  });

  it('parseDigest throws DIGEST_INVALID', () => {
    try {
      parseDigest('nope');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RegistryError);
      expect((e as RegistryError).code).toBe('DIGEST_INVALID');
      expect((e as RegistryError).status).toBe(400);
    }
  });

  it('VerifyingStream passes good content and fails bad content at the end', async () => {
    const data = Buffer.from('hello world');
    await pipeline(Readable.from([data]), new VerifyingStream({ digest: digestOf(data), size: data.length }), sink());
    await expect(pipeline(Readable.from([data]), new VerifyingStream({ digest: digestOf('other'), size: data.length }), sink())).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(pipeline(Readable.from([data]), new VerifyingStream({ digest: digestOf(data), size: 5 }), sink())).rejects.toBeInstanceOf(SizeMismatchError);
    await expect(pipeline(Readable.from([data]), new VerifyingStream({ digest: digestOf(data), size: 50 }), sink())).rejects.toBeInstanceOf(SizeMismatchError);
  });
});
