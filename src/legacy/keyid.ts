import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (upper case), no padding. */
export function base32(data: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * libtrust key ID: SHA-256 of the DER SubjectPublicKeyInfo, first 30 bytes, base32, in 12
 * groups of 4 joined by ":" (protocol-notes §3.7). Accepts a private or public key.
 */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = pub.export({ type: 'spki', format: 'der' });
  const s = base32(createHash('sha256').update(der).digest().subarray(0, 30));
  return s.match(/.{4}/g)!.join(':');
}
