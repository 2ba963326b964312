import { X509Certificate } from 'node:crypto';
import { pemBlocks } from './pem.js';

/** Thrown when an `x5c` chain does not lead to a trusted CA. */
export class ChainError extends Error {}

/** Every certificate in PEM text (a CA bundle). */
export function certificatesFromPem(text: string): X509Certificate[] {
  return pemBlocks(text, 'CERTIFICATE').map((b) => new X509Certificate(b.text));
}

function valid(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

/** Go's crypto/x509 `maxChainSignatureChecks`: past it, building a chain gives up. */
export const MAX_SIGNATURE_CHECKS = 100;

function checker(): (issuer: X509Certificate, child: X509Certificate) => boolean {
  let checks = 0;
  return (issuer, child) => {
    if (!child.checkIssued(issuer)) return false;
    if (++checks > MAX_SIGNATURE_CHECKS) throw new ChainError(`more than ${MAX_SIGNATURE_CHECKS} signature checks while building the chain`);
    return child.verify(issuer.publicKey);
  };
}

/**
 * libtrust `VerifyChains`: `x5c[0]` (the signing certificate) must chain through the other `x5c`
 * certificates (intermediates) to a certificate in `roots`, every link signed by the next, every
 * certificate in its validity period, every issuer a CA. Returns the chain, leaf first.
 */
export function verifyChain(x5c: string[], roots: X509Certificate[], now = new Date()): X509Certificate[] {
  if (x5c.length === 0) throw new ChainError('no x5c chain');
  const certs = x5c.map((c, i) => {
    try {
      return new X509Certificate(Buffer.from(c, 'base64'));
    } catch {
      throw new ChainError(`x5c[${i}] is not a DER certificate`);
    }
  });
  const [leaf, ...intermediates] = certs;
  const issues = checker();
  const chain: X509Certificate[] = [leaf!];
  for (let depth = 0; depth < 10; depth++) {
    const cur = chain[chain.length - 1]!;
    if (!valid(cur, now)) throw new ChainError(`certificate ${cur.subject} is expired or not yet valid`);
    const root = roots.find((r) => (r.fingerprint256 === cur.fingerprint256) || (r.ca && issues(r, cur)));
    if (root) {
      if (root.fingerprint256 !== cur.fingerprint256) {
        if (!valid(root, now)) throw new ChainError(`CA certificate ${root.subject} is expired or not yet valid`);
        chain.push(root);
      }
      return chain;
    }
    const next = intermediates.find((c) => c.ca && !chain.includes(c) && issues(c, cur));
    if (!next) throw new ChainError(`certificate ${cur.subject} is not signed by a trusted CA`);
    chain.push(next);
  }
  throw new ChainError('certificate chain too long');
}
