import { KeyObject } from 'node:crypto';
import { RegistryError } from '../errors/errors.js';
import { signatureKey, signOne, type Signer } from './jws.js';
import { keyIdOf } from './keyid.js';
import { formatOf, JwsFormatError, protectedFormat, renderPrettySignature, type JwsSignature } from './prettyjws.js';
import { parseSchema1 } from './schema1.js';

export interface SignOptions {
  /** The signing clock (protected header `time`). */
  now?: Date;
}

function kidOf(sig: JwsSignature): string {
  try {
    return keyIdOf(signatureKey(sig));
  } catch {
    return '';
  }
}

/** libtrust's order: by key ID, then by signature string. */
export function sortSignatures(sigs: JwsSignature[]): JwsSignature[] {
  const keyed = sigs.map((s) => ({ s, kid: kidOf(s) }));
  keyed.sort((a, b) => (a.kid === b.kid ? cmp(a.s.signature, b.s.signature) : cmp(a.kid, b.kid)));
  return keyed.map((k) => k.s);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Sign JSON bytes with one or more keys and return the libtrust pretty-signed document
 * (§3.4 layout). `payload` is signed exactly as given. Used for schema 1 and any JSON.
 */
export async function signJson(payload: Uint8Array, signers: Array<KeyObject | Signer>, opts: SignOptions = {}, existing: JwsSignature[] = []): Promise<Buffer> {
  if (signers.length === 0 && existing.length === 0) throw new JwsFormatError('no signing keys');
  const { formatLength, formatTail } = formatOf(payload);
  for (const e of existing) {
    const f = protectedFormat(e.protected);
    if (f.formatLength !== formatLength || !f.formatTail.equals(formatTail)) throw new JwsFormatError('existing signatures use a different formatLength/formatTail');
  }
  const now = opts.now ?? new Date();
  const sigs = [...existing];
  for (const s of signers) sigs.push(await signOne(payload, formatLength, formatTail, s instanceof KeyObject ? { key: s } : s, now));
  return renderPrettySignature(payload, formatLength, sortSignatures(sigs));
}

/**
 * Sign a schema 1 manifest (unsigned, or already signed: existing signatures are kept and the new
 * ones added over the same payload). The payload digest does not change.
 */
export async function signSchema1(bytes: Uint8Array, signers: Array<KeyObject | Signer>, opts: SignOptions = {}): Promise<Buffer> {
  const s1 = parseSchema1(bytes);
  try {
    return await signJson(s1.payload, signers, opts, s1.signatures);
  } catch (err) {
    if (err instanceof JwsFormatError) throw new RegistryError('MANIFEST_INVALID', `cannot sign: ${err.message}`);
    throw err;
  }
}
