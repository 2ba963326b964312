import { X509Certificate, type KeyObject } from 'node:crypto';
import { FlattenedSign, flattenedVerify } from 'jose';
import { b64urlEncode } from './b64.js';
import { keyIdOf } from './keyid.js';
import { acceptsAlgorithm, keyFromJwk, publicJwk, signingAlgorithm } from './keys.js';
import type { JwsSignature } from './prettyjws.js';

/** A signer: a private key, and optionally its certificate chain (libtrust `SignWithChain`, `x5c` header). */
export interface Signer {
  key: KeyObject;
  chain?: X509Certificate[];
}

/** libtrust's protected-header time: RFC 3339, UTC, seconds precision. */
export function jwsTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Sign `payload` as libtrust does: protected header `{"formatLength","formatTail","time"}` (sorted
 * keys), unprotected header `{jwk, alg}` (or `{alg, x5c}` with a chain), signing input
 * `protected + "." + b64url(payload)`. EC signatures come out as JOSE `r||s`.
 */
export async function signOne(payload: Uint8Array, formatLength: number, formatTail: Uint8Array, signer: Signer, now: Date): Promise<JwsSignature> {
  const alg = signingAlgorithm(signer.key);
  const prot = { formatLength, formatTail: b64urlEncode(formatTail), time: jwsTime(now) };
  const jws = await new FlattenedSign(payload).setProtectedHeader(prot).setUnprotectedHeader({ alg }).sign(signer.key);
  const header: JwsSignature['header'] = signer.chain?.length
    ? { alg, x5c: signer.chain.map((c) => c.raw.toString('base64')) }
    : { jwk: publicJwk(signer.key), alg };
  return { header, signature: jws.signature, protected: jws.protected! };
}

/** The public key a signature claims: `x5c[0]`'s key when present, else the `jwk`. */
export function signatureKey(sig: JwsSignature): KeyObject {
  if (sig.header.x5c?.length) return new X509Certificate(Buffer.from(sig.header.x5c[0]!, 'base64')).publicKey;
  if (sig.header.jwk) return keyFromJwk(sig.header.jwk);
  throw new Error('missing public key');
}

/** Verify one signature over `payload`; resolves to the signer's key ID, rejects on any failure. */
export async function verifyOne(payload: Uint8Array, sig: JwsSignature): Promise<{ keyId: string; key: KeyObject }> {
  const key = signatureKey(sig);
  if (!acceptsAlgorithm(key, sig.header.alg)) throw new Error(`algorithm ${sig.header.alg} does not match the ${key.asymmetricKeyType} key`);
  await flattenedVerify(
    { protected: sig.protected, header: { alg: sig.header.alg }, payload: b64urlEncode(payload), signature: sig.signature.replace(/[\n ]/g, '') },
    key,
  );
  return { keyId: keyIdOf(key), key };
}
