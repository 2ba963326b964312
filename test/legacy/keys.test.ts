import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32, keyIdOf } from '../../src/legacy/keyid.js';
import { generateKey, keyFromJwk, parseKeys, parsePrivateKey, privateJwk, publicJwk } from '../../src/legacy/keys.js';
import { EXAMPLE_B_KEY } from './testdata.js';

const B_KID = 'PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6';
const A_JWK = { crv: 'P-256', kid: 'OIH7:HQFS:44FK:45VB:3B53:OIAG:TPL4:ATF5:6PNE:MGHN:NHQX:2GE4', kty: 'EC', x: 'Cu_UyxwLgHzE9rvlYSmvVdqYCXY42E9eNhBb0xNv0SQ', y: 'zUsjWJkeKQ5tv7S-hl1Tg71cd-CqnrtiiLxSi6N_yc8' };

describe('libtrust key IDs', () => {
  it('base32 follows RFC 4648 (upper case, unpadded)', () => {
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map((s) => base32(Buffer.from(s)))).toEqual(['', 'MY', 'MZXQ', 'MZXW6', 'MZXW6YQ', 'MZXW6YTB', 'MZXW6YTBOI']);
  });

  it('reproduces the key IDs of worked examples A (public jwk) and B (private key)', () => {
    expect(keyIdOf(keyFromJwk(A_JWK))).toBe(A_JWK.kid);
    expect(keyIdOf(parsePrivateKey(EXAMPLE_B_KEY))).toBe(B_KID);
  });

  it('rejects a JWK whose kid is not its key ID', () => {
    expect(() => keyFromJwk({ ...A_JWK, kid: B_KID })).toThrow(/key ID mismatch/);
  });

  it('reads libtrust PEM files (keyID header) and JWK sets; the same key gives the same ID in every form', () => {
    const k = parsePrivateKey(EXAMPLE_B_KEY);
    const pub = (createPublicKey(k).export({ type: 'spki', format: 'pem' }) as string).replace('-----BEGIN PUBLIC KEY-----\n', `-----BEGIN PUBLIC KEY-----\nkeyID: ${B_KID}\n\n`);
    expect(parseKeys(pub).map(keyIdOf)).toEqual([B_KID]);
    const rsa = generateKey({ type: 'rsa' });
    const set = JSON.stringify({ keys: [publicJwk(k), publicJwk(rsa)] });
    expect(parseKeys(set).map(keyIdOf)).toEqual([B_KID, keyIdOf(rsa)]);
    expect(Object.keys(publicJwk(rsa))).toEqual(['e', 'kid', 'kty', 'n']);
    expect(Object.keys(privateJwk(rsa))).toEqual(['d', 'dp', 'dq', 'e', 'kid', 'kty', 'n', 'p', 'q', 'qi']);
    expect(keyIdOf(parsePrivateKey(JSON.stringify(privateJwk(rsa))))).toBe(keyIdOf(rsa));
  });

  it('pads P-521 coordinates to 66 bytes', () => {
    const jwk = publicJwk(generateKey({ curve: 'P-521' }));
    expect(Buffer.from(jwk.x!, 'base64url').length).toBe(66);
    expect(Buffer.from(jwk.y!, 'base64url').length).toBe(66);
  });
});
