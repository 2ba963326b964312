import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/legacy/chain.js';
import { tempDir } from '../helpers/temp.js';

/** A CA, a leaf it signed, and an impostor CA with the same subject (another key). */
function pki(): { ca: X509Certificate; leaf: X509Certificate; impostor: X509Certificate } {
  const dir = tempDir('dist-hostile-chain-');
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=ca', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE');
  ossl('req', '-x509', ...ec, '-keyout', 'imp.key', '-out', 'imp.pem', '-subj', '/CN=ca', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE');
  ossl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=leaf');
  ossl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1');
  const cert = (f: string): X509Certificate => new X509Certificate(readFileSync(join(dir, f)));
  return { ca: cert('ca.pem'), leaf: cert('leaf.pem'), impostor: cert('imp.pem') };
}

describe('x5c chains: a bounded number of signature checks (Go crypto/x509: 100)', () => {
  const { ca, leaf, impostor } = pki();
  const b64 = (c: X509Certificate): string => c.raw.toString('base64');

  it('hundreds of impostor intermediates (same subject, wrong key) stop at 100 checks', () => {
    const x5c = [b64(leaf), ...Array<string>(300).fill(b64(impostor))];
    expect(() => verifyChain(x5c, [impostor])).toThrow(/more than 100 signature checks/);
  });

  it('a real chain behind a few impostors still verifies', () => {
    const x5c = [b64(leaf), ...Array<string>(5).fill(b64(impostor)), b64(ca)];
    expect(verifyChain(x5c, [ca]).map((c) => c.subject)).toEqual(['CN=leaf', 'CN=ca']);
  });
});
