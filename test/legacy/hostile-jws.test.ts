import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/errors/errors.js';
import { FlattenedSign } from 'jose';
import { generateKey } from '../../src/legacy/keys.js';
import { formatOf, renderPrettySignature } from '../../src/legacy/prettyjws.js';
import { signJson } from '../../src/legacy/sign.js';
import { verifySchema1 } from '../../src/legacy/verify.js';

const manifest = Buffer.from(JSON.stringify({
  schemaVersion: 1, name: 'a/b', tag: 't', architecture: 'amd64',
  fsLayers: [{ blobSum: `sha256:${'a'.repeat(64)}` }], history: [{ v1Compatibility: '{}' }],
}, null, 3));

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RegistryError);
  return (err as RegistryError).code;
}

/** The signed document with its one signature repeated `n` times (every copy verifies). */
function repeatSignature(signed: Buffer, n: number): Buffer {
  const sig = JSON.stringify((JSON.parse(signed.toString()) as { signatures: unknown[] }).signatures[0]);
  const at = signed.lastIndexOf('"signatures"');
  return Buffer.from(`${signed.subarray(0, at).toString()}"signatures": [${Array(n).fill(sig).join(',')}]}`);
}

/** A valid RSA key whose public exponent is as large as the modulus (its d and e swapped): every verify is a full modexp. */
function hugeExponentKey(): KeyObject {
  const k = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const big = (s: string | undefined): bigint => BigInt(`0x${Buffer.from(s!, 'base64url').toString('hex')}`);
  const enc = (x: bigint): string => { const h = x.toString(16); return Buffer.from(h.length % 2 ? `0${h}` : h, 'hex').toString('base64url'); };
  const [p, q, d] = [big(k.p), big(k.q), big(k.e)];
  return createPrivateKey({ key: { kty: 'RSA', n: k.n, e: k.d, d: enc(d), p: k.p, q: k.q, dp: enc(d % (p - 1n)), dq: enc(d % (q - 1n)), qi: k.qi }, format: 'jwk' });
}

describe('schema 1 verification refuses expensive signatures', () => {
  it('more than 100 signatures is MANIFEST_UNVERIFIED before any is checked (libtrust has no cap; ~4 ms each)', async () => {
    const signed = await signJson(manifest, [generateKey()]);
    expect((await verifySchema1(repeatSignature(signed, 100))).keyIds).toHaveLength(100);
    const t0 = Date.now();
    expect(await codeOf(verifySchema1(repeatSignature(signed, 101)))).toBe('MANIFEST_UNVERIFIED');
    expect(Date.now() - t0).toBeLessThan(200);
  });

  it('an RSA public exponent above 2^31-1 is refused (Go crypto/rsa, hence libtrust, refuses it)', async () => {
    // signed by hand: dist itself refuses to sign with such a key
    const key = hugeExponentKey();
    const { formatLength, formatTail } = formatOf(manifest);
    const jws = await new FlattenedSign(manifest)
      .setProtectedHeader({ formatLength, formatTail: formatTail.toString('base64url'), time: '2026-01-01T00:00:00Z' })
      .setUnprotectedHeader({ alg: 'RS256' }).sign(key);
    const { n, e } = key.export({ format: 'jwk' });
    const signed = renderPrettySignature(manifest, formatLength, [{ header: { jwk: { kty: 'RSA', n, e }, alg: 'RS256' }, signature: jws.signature, protected: jws.protected! }]);
    expect(await codeOf(verifySchema1(signed))).toBe('MANIFEST_UNVERIFIED');
  });
});
