import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { exportJWK, type JSONWebKeySet } from 'jose';
import { libtrustKid, parseCertBundle } from '../auth/trust.js';

/** The issuer's signing key, its kid (libtrust form, as distribution expects) and optional x5c chain. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
  alg: string;
  /** Certificate chain (leaf first) sent as `x5c` when present. */
  chain?: X509Certificate[];
}

function algFor(key: KeyObject): string {
  const t = key.asymmetricKeyType;
  if (t === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256';
  }
  if (t === 'rsa') return 'RS256';
  if (t === 'ed25519') return 'EdDSA';
  throw new Error(`unsupported signing key type ${t}`);
}

/** Load a PEM private key (and optionally a PEM certificate chain whose leaf matches it). */
export function loadSigningKey(keyPem: string, certPem?: string): SigningKey {
  const privateKey = createPrivateKey(keyPem);
  const publicKey = createPublicKey(privateKey);
  const chain = certPem ? parseCertBundle(certPem) : undefined;
  if (chain && (chain.length === 0 || !chain[0]!.checkPrivateKey(privateKey))) throw new Error('the certificate does not match the signing key');
  return { privateKey, publicKey, kid: libtrustKid(publicKey), alg: algFor(privateKey), chain };
}

/** A fresh P-256 key (no certificate): registries trust it through the JWKS. */
export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, kid: libtrustKid(publicKey), alg: 'ES256' };
}

/** The public JWKS a registry's `auth.token.jwks` points at. */
export async function publicJwks(key: SigningKey): Promise<JSONWebKeySet> {
  const jwk = await exportJWK(key.publicKey);
  return { keys: [{ ...jwk, kid: key.kid, alg: key.alg, use: 'sig' }] };
}
