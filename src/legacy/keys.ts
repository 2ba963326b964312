import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { DistError } from '../errors/errors.js';
import { keyIdOf } from './keyid.js';
import { pemBlocks } from './pem.js';

export type Curve = 'P-256' | 'P-384' | 'P-521';
export type SigningAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512';

const CURVES: Record<string, { crv: Curve; alg: SigningAlgorithm }> = {
  prime256v1: { crv: 'P-256', alg: 'ES256' },
  secp384r1: { crv: 'P-384', alg: 'ES384' },
  secp521r1: { crv: 'P-521', alg: 'ES512' },
};

/** Unreadable or unsupported key material: a usage error (exit code 2). */
export class KeyError extends DistError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

export interface GenerateOptions {
  type?: 'ec' | 'rsa';
  curve?: Curve;
  /** RSA modulus length (default 2048, libtrust's default). */
  bits?: number;
}

/** A new private key (EC P-256 by default). */
export function generateKey(opts: GenerateOptions = {}): KeyObject {
  if ((opts.type ?? 'ec') === 'rsa') {
    // libtrust generates 2048, 3072 or 4096 bits; above 8192 Go's TLS refuses the key, and generation
    // time grows as bits^4 (16384 bits: ~90 s; 100000: hours)
    const bits = opts.bits ?? 2048;
    if (!Number.isInteger(bits) || bits < 2048 || bits > 8192) throw new KeyError(`RSA key size ${bits} out of range (2048 to 8192 bits)`);
    return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
  }
  return generateKeyPairSync('ec', { namedCurve: opts.curve ?? 'P-256' }).privateKey;
}

/**
 * Go's crypto/rsa (which libtrust verifies with) refuses a public exponent above 2^31-1; a huge one
 * also makes every verification a full modular exponentiation (CPU), so it is refused here too.
 */
function checkRsaExponent(key: KeyObject): void {
  const e = key.asymmetricKeyDetails?.publicExponent;
  if (e !== undefined && (e < 3n || e > 0x7fffffffn)) throw new KeyError('RSA public exponent out of range (want 3 to 2^31-1)');
}

/** The algorithm libtrust uses to sign with this key: the curve fixes ES*, RSA signs RS256. */
export function signingAlgorithm(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') {
    checkRsaExponent(key);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec') {
    const c = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (c) return c.alg;
  }
  throw new KeyError(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (want EC P-256/P-384/P-521 or RSA)`);
}

/** Algorithms a key may verify: an EC key exactly its curve's, an RSA key RS256/384/512. */
export function acceptsAlgorithm(key: KeyObject, alg: string): boolean {
  return signingAlgorithm(key) === alg || (key.asymmetricKeyType === 'rsa' && (alg === 'RS384' || alg === 'RS512'));
}

function sortedJwk(jwk: JsonWebKey, kid: string, fields: string[]): Record<string, string> {
  const all: Record<string, unknown> = { ...jwk, kid };
  const out: Record<string, string> = {};
  for (const k of [...fields, 'kid', 'kty'].sort()) if (typeof all[k] === 'string') out[k] = all[k] as string;
  return out;
}

/** libtrust's public JWK: keys sorted (EC `crv,kid,kty,x,y`; RSA `e,kid,kty,n`), coordinates padded. */
export function publicJwk(key: KeyObject): Record<string, string> {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  signingAlgorithm(pub);
  const jwk = pub.export({ format: 'jwk' });
  return sortedJwk(jwk, keyIdOf(pub), pub.asymmetricKeyType === 'rsa' ? ['e', 'n'] : ['crv', 'x', 'y']);
}

/** libtrust's private JWK (the key file format), keys sorted. */
export function privateJwk(key: KeyObject): Record<string, string> {
  if (key.type !== 'private') throw new KeyError('not a private key');
  signingAlgorithm(key);
  const jwk = key.export({ format: 'jwk' });
  const fields = key.asymmetricKeyType === 'rsa' ? ['d', 'dp', 'dq', 'e', 'n', 'p', 'q', 'qi'] : ['crv', 'd', 'x', 'y'];
  return sortedJwk(jwk, keyIdOf(key), fields);
}

/** A key from a JWK object; a `kid` that is present must equal the computed key ID (libtrust). */
export function keyFromJwk(jwk: unknown): KeyObject {
  if (!jwk || typeof jwk !== 'object') throw new KeyError('JWK is not an object');
  const o = jwk as Record<string, unknown>;
  if (o.kty !== 'EC' && o.kty !== 'RSA') throw new KeyError(`unsupported JWK key type ${String(o.kty)}`);
  let key: KeyObject;
  try {
    const input = { key: o as JsonWebKey, format: 'jwk' as const };
    key = typeof o.d === 'string' ? createPrivateKey(input) : createPublicKey(input);
  } catch (err) {
    throw new KeyError(`invalid JWK: ${(err as Error).message}`);
  }
  signingAlgorithm(key);
  if (o.kid !== undefined && o.kid !== keyIdOf(key)) throw new KeyError(`JWK key ID mismatch: "kid" is ${String(o.kid)}, the key's ID is ${keyIdOf(key)}`);
  return key;
}

const PEM_TYPES: Record<string, { kind: 'private' | 'public' | 'cert'; type?: 'pkcs1' | 'pkcs8' | 'sec1' | 'spki' }> = {
  'EC PRIVATE KEY': { kind: 'private', type: 'sec1' },
  'RSA PRIVATE KEY': { kind: 'private', type: 'pkcs1' },
  'PRIVATE KEY': { kind: 'private', type: 'pkcs8' },
  'PUBLIC KEY': { kind: 'public', type: 'spki' },
  'RSA PUBLIC KEY': { kind: 'public', type: 'pkcs1' },
  CERTIFICATE: { kind: 'cert' },
};

/**
 * Every key in PEM text. libtrust writes headers such as `keyID: …` inside the block, which
 * OpenSSL rejects, so blocks are decoded here: header lines (with a colon) are skipped.
 */
export function keysFromPem(text: string): KeyObject[] {
  const out: KeyObject[] = [];
  for (const { label, body } of pemBlocks(text)) {
    const spec = PEM_TYPES[label];
    if (!spec) continue;
    const b64 = body.split(/\r?\n/).filter((l) => !l.includes(':')).join('').replace(/\s/g, '');
    const der = Buffer.from(b64, 'base64');
    try {
      if (spec.kind === 'cert') out.push(new X509Certificate(der).publicKey);
      else if (spec.kind === 'private') out.push(createPrivateKey({ key: der, format: 'der', type: spec.type as 'pkcs1' | 'pkcs8' | 'sec1' }));
      else out.push(createPublicKey({ key: der, format: 'der', type: spec.type as 'pkcs1' | 'spki' }));
    } catch (err) {
      throw new KeyError(`invalid PEM ${label} block: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Every key in a file's text: a JWK, a JWK set (`{"keys":[…]}`) or PEM blocks. */
export function parseKeys(text: string): KeyObject[] {
  const t = text.trim();
  if (t.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(t);
    } catch {
      throw new KeyError('not valid JSON');
    }
    const keys = (doc as { keys?: unknown }).keys;
    return Array.isArray(keys) ? keys.map(keyFromJwk) : [keyFromJwk(doc)];
  }
  if (t.includes('-----BEGIN ')) return keysFromPem(t);
  throw new KeyError('no JWK or PEM key found');
}

/** The one private key in a key file's text. */
export function parsePrivateKey(text: string): KeyObject {
  const keys = parseKeys(text).filter((k) => k.type === 'private');
  if (keys.length !== 1) throw new KeyError(keys.length === 0 ? 'no private key found' : 'more than one private key found');
  return keys[0]!;
}

export { keyIdOf };
