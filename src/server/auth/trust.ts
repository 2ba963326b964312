import { createHash, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** distribution/libtrust key id: base32(sha256(SPKI DER)[:30]) in groups of 4 joined by `:`. */
export function libtrustKid(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  const sum = createHash('sha256').update(der).digest().subarray(0, 30);
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let s = '';
  for (const byte of sum) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      s += A[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) s += A[(value << (5 - bits)) & 31];
  return s.match(/.{1,4}/g)!.join(':');
}

/** Split a PEM bundle into certificates. */
export function parseCertBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

export class UntrustedKeyError extends Error {
  readonly code = 'ERR_UNTRUSTED_KEY';
  override readonly name = 'UntrustedKeyError';
}

/**
 * Resolves the key a token was signed with, accepting only trusted keys:
 * - `x5c`: the chain must end in (or be issued by) a certificate of the root bundle;
 * - `kid`: a key of the JWKS, or a bundle certificate whose libtrust kid matches;
 * - `jwk`: only when its libtrust kid is one of the trusted keys.
 */
export function trustedKeyResolver(opts: { roots?: X509Certificate[]; jwks?: JSONWebKeySet }): JWTVerifyGetKey {
  const roots = opts.roots ?? [];
  const byKid = new Map<string, KeyObject>(roots.map((c) => [libtrustKid(c.publicKey), c.publicKey]));
  const local = opts.jwks ? createLocalJWKSet(opts.jwks) : undefined;
  return async (header, token) => {
    if (header.x5c && header.x5c.length > 0) {
      const chain = header.x5c.map((b64) => new X509Certificate(Buffer.from(b64, 'base64')));
      for (let i = 0; i + 1 < chain.length; i++) {
        if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey)) throw new UntrustedKeyError('x5c chain is broken');
      }
      const last = chain[chain.length - 1]!;
      const anchored = roots.some((r) => r.fingerprint256 === last.fingerprint256 || (last.checkIssued(r) && last.verify(r.publicKey)));
      if (!anchored) throw new UntrustedKeyError('x5c chain does not lead to a trusted root certificate');
      const now = Date.now();
      if (chain.some((c) => Date.parse(c.validTo) < now || Date.parse(c.validFrom) > now)) throw new UntrustedKeyError('x5c certificate is not valid now');
      return chain[0]!.publicKey;
    }
    if (header.jwk) {
      const k = createPublicKey({ key: header.jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
      const kid = libtrustKid(k);
      if (!byKid.has(kid)) throw new UntrustedKeyError('embedded jwk is not a trusted key');
      return byKid.get(kid)!;
    }
    if (header.kid && byKid.has(header.kid)) return byKid.get(header.kid)!;
    if (local) {
      try {
        return await local(header, token);
      } catch {
        throw new UntrustedKeyError(`no trusted key with kid ${JSON.stringify(header.kid ?? '')}`);
      }
    }
    throw new UntrustedKeyError(`no trusted key with kid ${JSON.stringify(header.kid ?? '')}`);
  };
}
