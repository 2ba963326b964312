import type { KeyObject, X509Certificate } from 'node:crypto';
import type { Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import { verifyChain } from './chain.js';
import { verifyOne } from './jws.js';
import { keyIdOf } from './keyid.js';
import { parseSchema1, type Schema1 } from './schema1.js';

export interface Signature1 {
  keyId: string;
  key: KeyObject;
  /** The verified x5c chain (leaf first), when the signature carries one and roots were given. */
  chain?: X509Certificate[];
}

export interface VerifiedSchema1 extends Schema1 {
  digest: Digest;
  keyIds: string[];
  signers: Signature1[];
}

export interface VerifyOptions {
  /** CA certificates: every signature carrying `x5c` must chain to one of them. */
  roots?: X509Certificate[];
  /** Accept an unsigned (`+json`) manifest: no signers. Default false. */
  allowUnsigned?: boolean;
}

const unverified = (why: string, cause?: unknown): RegistryError =>
  new RegistryError('MANIFEST_UNVERIFIED', `schema 1 signature verification failed: ${why}`, undefined, { cause });

/**
 * Parse and verify a schema 1 manifest: EVERY signature must verify over the payload
 * (`MANIFEST_UNVERIFIED` otherwise). Returns the payload digest and the signers' key IDs.
 */
export async function verifySchema1(bytes: Uint8Array, opts: VerifyOptions = {}): Promise<VerifiedSchema1> {
  const s1 = parseSchema1(bytes);
  if (s1.signatures.length === 0) {
    if (!opts.allowUnsigned) throw unverified('the manifest is not signed');
    return { ...s1, keyIds: [], signers: [] };
  }
  const signers: Signature1[] = [];
  for (const [i, sig] of s1.signatures.entries()) {
    let signer: Signature1;
    try {
      signer = await verifyOne(s1.payload, sig);
    } catch (err) {
      throw unverified(`signature ${i}: ${(err as Error).message}`, err);
    }
    if (opts.roots && sig.header.x5c?.length) {
      try {
        signer.chain = verifyChain(sig.header.x5c, opts.roots);
      } catch (err) {
        throw unverified(`signature ${i}: ${(err as Error).message}`, err);
      }
    }
    signers.push(signer);
  }
  return { ...s1, keyIds: signers.map((s) => s.keyId), signers };
}

/** Key IDs of the signers that are trusted: their key is in `trusted`, or their x5c chain verified. */
export function trustedSigners(v: VerifiedSchema1, trusted: KeyObject[]): string[] {
  const ids = new Set(trusted.map((k) => keyIdOf(k)));
  return v.signers.filter((s) => ids.has(s.keyId) || s.chain !== undefined).map((s) => s.keyId);
}

/** Throw MANIFEST_UNVERIFIED unless at least one signer is trusted. */
export function assertTrusted(v: VerifiedSchema1, trusted: KeyObject[]): string[] {
  const ok = trustedSigners(v, trusted);
  if (ok.length === 0) throw unverified(`not signed by a trusted key (signers: ${v.keyIds.join(', ') || 'none'})`);
  return ok;
}
