import { describe, expect, it } from 'vitest';
import { certificatesFromPem } from '../../src/legacy/chain.js';
import { generateKey, keyIdOf, parseKeys } from '../../src/legacy/keys.js';
import { pemBlocks } from '../../src/legacy/pem.js';

describe('PEM scanning is linear (a key or trust file of unclosed BEGIN lines)', () => {
  it('1 MiB of unclosed BEGIN lines is scanned in well under a second (the lazy regex took ~20 s)', () => {
    const keys = '-----BEGIN A-----\n'.repeat(58_000);
    const certs = '-----BEGIN CERTIFICATE-----\n'.repeat(37_000);
    const t0 = Date.now();
    expect(parseKeys(keys)).toEqual([]);
    expect(certificatesFromPem(certs)).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('finds the same blocks as the regex did: nearest END of the same label, other labels inside a block skipped', () => {
    const text = 'x-----BEGIN A-----1-----END B----------END A-----y-----BEGIN B-----2-----BEGIN C-----3-----END B----------END C----------BEGIN A-----';
    const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
    expect(pemBlocks(text).map((b) => [b.label, b.body])).toEqual([...text.matchAll(re)].map((m) => [m[1], m[2]]));
    expect(pemBlocks(text).map((b) => b.label)).toEqual(['A', 'B']);
    expect(pemBlocks(text, 'C').map((b) => b.body)).toEqual(['3-----END B-----']);
  });

  it('real PEM keys still parse', () => {
    const k = generateKey();
    const pem = `junk\n${k.export({ format: 'pem', type: 'pkcs8' }).toString()}\n-----BEGIN A-----\n`;
    expect(parseKeys(pem).map(keyIdOf)).toEqual([keyIdOf(k)]);
  });
});
