/** libtrust's "jose" base64url: URL alphabet, padding stripped when encoding, whitespace tolerated when decoding. */
export function b64urlEncode(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Decode like libtrust `joseBase64UrlDecode`: remove `\n` and spaces, re-pad, reject a length of 1 mod 4. */
export function b64urlDecode(s: string): Buffer {
  const clean = s.replace(/[\n ]/g, '');
  if (clean.length % 4 === 1) throw new Error('illegal base64url data');
  if (!/^[A-Za-z0-9_-]*$/.test(clean)) throw new Error('illegal base64url data');
  return Buffer.from(clean, 'base64url');
}
