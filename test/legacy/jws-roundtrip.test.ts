import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/errors/errors.js';
import { b64urlDecode, b64urlEncode } from '../../src/legacy/b64.js';
import { certificatesFromPem } from '../../src/legacy/chain.js';
import { generateKey, keyIdOf, signingAlgorithm } from '../../src/legacy/keys.js';
import { parseSchema1 } from '../../src/legacy/schema1.js';
import { signSchema1 } from '../../src/legacy/sign.js';
import { assertTrusted, verifySchema1 } from '../../src/legacy/verify.js';
import { testdata } from './testdata.js';
import { tempDir } from '../helpers/temp.js';

const payload = parseSchema1(testdata('schema1', 'example-b-signed.json')).payload;
const DIGEST = 'sha256:b4bcb428edd6a418d6c75a5715afd83acb505dc268cc7b8f89d9250485cea612';

async function expectUnverified(p: Promise<unknown>): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RegistryError);
  expect((err as RegistryError).code).toBe('MANIFEST_UNVERIFIED');
}

describe('sign → verify round trips', () => {
  const cases: Array<[string, KeyObject, string]> = [
    ['EC P-256', generateKey(), 'ES256'],
    ['EC P-384', generateKey({ curve: 'P-384' }), 'ES384'],
    ['EC P-521', generateKey({ curve: 'P-521' }), 'ES512'],
    ['RSA 2048', generateKey({ type: 'rsa' }), 'RS256'],
  ];
  for (const [what, key, alg] of cases) {
    it(`${what} signs ${alg} and verifies, keeping the payload digest`, async () => {
      expect(signingAlgorithm(key)).toBe(alg);
      const signed = await signSchema1(payload, [key]);
      const v = await verifySchema1(signed);
      expect(v.digest).toBe(DIGEST);
      expect(v.keyIds).toEqual([keyIdOf(key)]);
      expect(v.signatures[0]!.header.alg).toBe(alg);
      if (alg.startsWith('ES')) expect(b64urlDecode(v.signatures[0]!.signature).length).toBe({ ES256: 64, ES384: 96, ES512: 132 }[alg]);
    });
  }

  it('multiple signatures: all verify, sorted by key ID; adding one to a signed manifest keeps the others', async () => {
    const [a, b, c] = [generateKey(), generateKey({ type: 'rsa' }), generateKey()];
    const two = await signSchema1(payload, [a, b]);
    const v2 = await verifySchema1(two);
    expect(v2.keyIds).toEqual([keyIdOf(a), keyIdOf(b)].sort());
    const three = await signSchema1(two, [c]);
    const v3 = await verifySchema1(three);
    expect(v3.keyIds).toEqual([keyIdOf(a), keyIdOf(b), keyIdOf(c)].sort());
    expect(v3.digest).toBe(DIGEST);
    expect(assertTrusted(v3, [b])).toEqual([keyIdOf(b)]);
    expect(() => assertTrusted(v3, [generateKey()])).toThrow(/trusted/);
  });

  it('an unsigned manifest is refused unless allowed, and its digest is that of the raw bytes', async () => {
    await expectUnverified(verifySchema1(payload));
    const v = await verifySchema1(payload, { allowUnsigned: true });
    expect(v.digest).toBe(DIGEST);
    expect(v.keyIds).toEqual([]);
  });
});

describe('tampering with one byte fails verification', () => {
  const key = generateKey();
  let signed: Buffer;
  const sign = async (): Promise<Buffer> => (signed ??= await signSchema1(payload, [key]));

  it('payload byte (inside a string value)', async () => {
    const doc = Buffer.from(await sign());
    const at = doc.indexOf('library/test') + 8;
    doc[at] = doc[at]! ^ 1;
    await expectUnverified(verifySchema1(doc));
  });

  it('signature byte', async () => {
    const doc = (await sign()).toString();
    const sig = /"signature": "([^"]+)"/.exec(doc)![1]!;
    const raw = b64urlDecode(sig);
    raw[10] = raw[10]! ^ 1;
    await expectUnverified(verifySchema1(Buffer.from(doc.replace(sig, b64urlEncode(raw)))));
  });

  it('protected header byte (time changed)', async () => {
    const doc = (await sign()).toString();
    const prot = /"protected": "([^"]+)"/.exec(doc)![1]!;
    const hdr = b64urlDecode(prot).toString().replace(/"time":"(\d)/, (_m, d: string) => `"time":"${(Number(d) + 1) % 10}`);
    await expectUnverified(verifySchema1(Buffer.from(doc.replace(prot, b64urlEncode(hdr)))));
  });

  it('a jwk whose kid does not match the key', async () => {
    const doc = (await sign()).toString().replace(/"kid": "[A-Z0-9]{4}/, '"kid": "AAAA');
    await expectUnverified(verifySchema1(Buffer.from(doc)));
  });

  it('bytes appended outside the payload do not change the manifest that is read', async () => {
    const doc = (await sign()).toString();
    const evil = doc.replace('"signatures": [', '"name": "evil/name",\n   "signatures": [');
    const v = await verifySchema1(Buffer.from(evil));
    expect(v.manifest.name).toBe('library/test');
    expect(v.digest).toBe(DIGEST);
  });
});

describe('x5c certificate chains', () => {
  const dir = tempDir('dist-x5c-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

  it('verifies a chain leaf → intermediate → CA, and refuses an unknown CA', async () => {
    ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test ca', '-days', '2');
    ossl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=intermediate');
    execFileSync('sh', ['-c', 'printf "basicConstraints=critical,CA:TRUE\\nkeyUsage=keyCertSign,digitalSignature\\n" > ca.ext'], { cwd: dir });
    ossl('x509', '-req', '-in', 'int.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'int.crt', '-days', '2', '-extfile', 'ca.ext');
    ossl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=signer');
    ossl('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.crt', '-CAkey', 'int.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '2');
    ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-subj', '/CN=other ca', '-days', '2');
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    const key = createPrivateKey(read('leaf.key'));
    const chain = [new X509Certificate(read('leaf.crt')), new X509Certificate(read('int.crt'))];
    const signed = await signSchema1(payload, [{ key, chain }]);
    const sig = JSON.parse(signed.toString()).signatures[0];
    expect(Object.keys(sig.header)).toEqual(['alg', 'x5c']);
    const v = await verifySchema1(signed, { roots: certificatesFromPem(read('ca.crt')) });
    expect(v.signers[0]!.chain!.map((c) => c.subject.trim())).toEqual(['CN=signer', 'CN=intermediate', 'CN=test ca']);
    expect(assertTrusted(v, [])).toEqual([keyIdOf(key)]);
    await expectUnverified(verifySchema1(signed, { roots: certificatesFromPem(read('other.crt')) }));
    expect((await verifySchema1(signed)).keyIds).toEqual([keyIdOf(key)]);
  });
});
