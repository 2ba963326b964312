import { createHash } from 'node:crypto';
import { RegistryError } from '../errors/errors.js';

/** A validated content digest, `<algorithm>:<encoded>`. */
export type Digest = string & { readonly __brand: 'Digest' };

export type Algorithm = 'sha256' | 'sha512';

/** Hex length of each supported algorithm's encoding. */
export const ALGORITHMS: Record<Algorithm, number> = { sha256: 64, sha512: 128 };

/** OCI grammar: algorithm-component (separator algorithm-component)* ":" encoded. */
const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** Legacy tarsum digests (`tarsum.v1+sha256:<hex>`), only meaningful to legacy code paths. */
const TARSUM = /^tarsum(?:\.[a-z0-9]+)?\+(sha256|sha512):([a-f0-9]+)$/;

export const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' as Digest;

export function isDigest(s: unknown): s is Digest {
  if (typeof s !== 'string' || s.length > 256) return false;
  if (!GRAMMAR.test(s)) return false;
  const i = s.indexOf(':');
  const alg = s.slice(0, i);
  const enc = s.slice(i + 1);
  const len = ALGORITHMS[alg as Algorithm];
  if (len !== undefined) return enc.length === len && /^[a-f0-9]+$/.test(enc);
  return false;
}

export function isTarsumDigest(s: string): boolean {
  return TARSUM.test(s);
}

/** Validate a digest string; throws DIGEST_INVALID with the offending value. */
export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw new RegistryError('DIGEST_INVALID', `invalid digest "${truncate(s)}"`, { digest: truncate(s) });
  return s;
}

export function algorithmOf(d: Digest): Algorithm {
  return d.slice(0, d.indexOf(':')) as Algorithm;
}

export function encodedOf(d: string): string {
  return d.slice(d.indexOf(':') + 1);
}

/** Digest of an in-memory buffer (manifests, configs: small content only). */
export function digestOf(data: Uint8Array | string, alg: Algorithm = 'sha256'): Digest {
  return `${alg}:${createHash(alg).update(data).digest('hex')}` as Digest;
}

function truncate(s: string): string {
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}
