import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKeys, loadPrivateKey } from '../../src/legacy/keyfiles.js';
import { generateKey, KeyError, privateJwk } from '../../src/legacy/keys.js';
import { tempDir } from '../helpers/temp.js';

/** A FIFO (stat size 0) fed `data` by a writer in this process. */
function fifoWith(data: Buffer): string {
  const path = join(tempDir('dist-hostile-keys-'), 'key.json');
  execFileSync('mkfifo', [path]);
  const w = createWriteStream(path);
  w.on('error', () => undefined); // the reader may stop early
  w.end(data);
  return path;
}

describe('key files are capped at 1 MiB by what is read, not by what stat says', () => {
  const jwk = JSON.stringify(privateJwk(generateKey()));

  it('a FIFO carrying a key plus 2 MiB of padding is refused', async () => {
    const big = Buffer.concat([Buffer.from(jwk), Buffer.alloc(2 * 1024 * 1024, 0x20)]);
    await expect(loadKeys(fifoWith(big))).rejects.toThrow(/larger than 1 MiB/);
    await expect(loadPrivateKey(fifoWith(big))).rejects.toThrow(/larger than 1 MiB/);
  });

  it('a small key through a FIFO still loads', async () => {
    expect(await loadKeys(fifoWith(Buffer.from(jwk)))).toHaveLength(1);
  });
});

describe('RSA key generation sizes: 2048 to 8192 bits (libtrust: 2048/3072/4096)', () => {
  it('too small or too large is a KeyError (usage), at once: no OpenSSL error, no hours of CPU', () => {
    for (const bits of [511, 1024, 2047, 8193, 100_000, 2048.5]) expect(() => generateKey({ type: 'rsa', bits }), String(bits)).toThrow(KeyError);
    expect(generateKey({ type: 'rsa', bits: 2048 }).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});
