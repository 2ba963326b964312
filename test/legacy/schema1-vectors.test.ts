import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, parsePrivateKey, publicJwk } from '../../src/legacy/keys.js';
import { b64urlDecode } from '../../src/legacy/b64.js';
import { parseSchema1 } from '../../src/legacy/schema1.js';
import { signSchema1 } from '../../src/legacy/sign.js';
import { verifySchema1 } from '../../src/legacy/verify.js';
import { EXAMPLE_B_KEY, testdata } from './testdata.js';

describe('schema 1 worked example A (§3.8): moby good_manifest', () => {
  const raw = testdata('schema1', 'hello-world-good-manifest.json');

  it('is the 3844-byte fixture, whose whole-file hash is NOT the manifest digest', () => {
    expect(raw.length).toBe(3844);
    expect(createHash('sha256').update(raw).digest('hex')).toBe('b2adb1fb02d8bfac5617625965c475e1035f08dc84b7719f5902528dc1363845');
  });

  it('rebuilds the 3199-byte payload and digests it', async () => {
    const v = await verifySchema1(raw);
    expect(v.formatLength).toBe(3197);
    expect(v.payload.length).toBe(3199);
    expect(v.payload.subarray(-2).toString()).toBe('\n}');
    expect(v.digest).toBe('sha256:02fee8c3220ba806531f606525eceb83f4feb654f62b207191b1c9209188dedd');
    expect(v.manifest.fsLayers[0]!.blobSum).toBe('sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4');
    expect(v.raw.equals(raw)).toBe(true);
  });

  it('verifies the ES256 signature and computes the kid of the embedded jwk', async () => {
    const v = await verifySchema1(raw);
    expect(v.keyIds).toEqual(['OIH7:HQFS:44FK:45VB:3B53:OIAG:TPL4:ATF5:6PNE:MGHN:NHQX:2GE4']);
    const prot = JSON.parse(b64urlDecode(v.signatures[0]!.protected).toString());
    expect(prot).toEqual({ formatLength: 3197, formatTail: 'Cn0', time: '2015-09-11T04:13:48Z' });
  });
});

describe('schema 1 worked example B (§3.9): signed with a known key', () => {
  const raw = testdata('schema1', 'example-b-signed.json');
  const key = parsePrivateKey(EXAMPLE_B_KEY);

  it('the private key has the published kid', () => {
    expect(keyIdOf(key)).toBe('PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6');
    expect(publicJwk(key)).toEqual({
      crv: 'P-256',
      kid: 'PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6',
      kty: 'EC',
      x: 'm7zUpx3b-zmVE5cymSs64POG9QcyEpJaYCD82-549_Q',
      y: 'dU3biz8sZ_8GPB-odm8Wxz3lNDr1xcAQQPQaOcr1fmc',
    });
  });

  it('verifies, with payload digest b4bcb428… and formatLength 377', async () => {
    const v = await verifySchema1(raw);
    expect(v.digest).toBe('sha256:b4bcb428edd6a418d6c75a5715afd83acb505dc268cc7b8f89d9250485cea612');
    expect(v.formatLength).toBe(377);
    expect(v.payload.length).toBe(379);
    expect(v.keyIds).toEqual(['PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6']);
  });

  it('re-signing the payload at the same clock reproduces the document byte for byte, except the randomised ECDSA signature', async () => {
    const payload = parseSchema1(raw).payload;
    const out = await signSchema1(payload, [key], { now: new Date('2026-11-28T12:04:40Z') });
    const strip = (b: Buffer): string => b.toString().replace(/"signature": "[A-Za-z0-9_-]{86}"/, '"signature": "…"');
    expect(out.length).toBe(raw.length);
    expect(strip(out)).toBe(strip(raw));
    expect(out.subarray(-1).toString()).toBe('}');
    expect((await verifySchema1(out)).digest).toBe('sha256:b4bcb428edd6a418d6c75a5715afd83acb505dc268cc7b8f89d9250485cea612');
  });
});
