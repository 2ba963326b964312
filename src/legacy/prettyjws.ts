import { b64urlDecode, b64urlEncode } from './b64.js';

/** One element of a libtrust `signatures` array. */
export interface JwsSignature {
  header: { jwk?: Record<string, unknown>; alg: string; x5c?: string[] };
  signature: string;
  protected: string;
}

/** A pretty-signed document taken apart (libtrust `ParsePrettySignature`). */
export interface ParsedPrettySignature {
  /** The signed bytes: `raw[0:formatLength] + formatTail`. */
  payload: Buffer;
  formatLength: number;
  formatTail: Buffer;
  signatures: JwsSignature[];
}

/** Thrown when a document is not a well-formed pretty signature (or is unsigned). */
export class JwsFormatError extends Error {}

/** At most this many signatures per document. */
export const MAX_SIGNATURES = 100;

const isSpace = (b: number): boolean => b === 0x20 || (b >= 0x09 && b <= 0x0d) || b === 0x85 || b === 0xa0;

/** libtrust `detectJSONIndent`: the whitespace between `{\n` and the first `"`. */
export function detectIndent(payload: Uint8Array): string {
  if (payload.length > 2 && payload[0] === 0x7b && payload[1] === 0x0a) {
    const q = Buffer.from(payload).indexOf(0x22, 1);
    if (q > 1) return Buffer.from(payload.subarray(2, q)).toString('latin1');
  }
  return '';
}

/** Where signatures get spliced into a JSON object: `formatLength`, and the tail that closes it. */
export function formatOf(payload: Uint8Array): { formatLength: number; formatTail: Buffer } {
  let close = payload.length - 1;
  while (close >= 0 && isSpace(payload[close]!)) close--;
  if (close < 0 || payload[close] !== 0x7d) throw new JwsFormatError('invalid JSON content: must end with "}"');
  let last = close - 1;
  while (last >= 0 && isSpace(payload[last]!)) last--;
  if (last < 0 || payload[last] === 0x2c) throw new JwsFormatError('invalid JSON content');
  return { formatLength: last + 1, formatTail: Buffer.from(payload.subarray(last + 1)) };
}

function asSignature(v: unknown, i: number): JwsSignature {
  const o = v as Record<string, unknown> | null;
  const h = o?.header as Record<string, unknown> | undefined;
  if (!o || typeof o !== 'object' || !h || typeof h !== 'object') throw new JwsFormatError(`signatures[${i}]: missing header`);
  if (typeof h.alg !== 'string') throw new JwsFormatError(`signatures[${i}]: missing alg`);
  if (typeof o.signature !== 'string' || typeof o.protected !== 'string') throw new JwsFormatError(`signatures[${i}]: missing signature or protected header`);
  if (h.x5c !== undefined && !(Array.isArray(h.x5c) && h.x5c.every((c) => typeof c === 'string'))) throw new JwsFormatError(`signatures[${i}]: x5c must be an array of strings`);
  if (h.jwk !== undefined && (h.jwk === null || typeof h.jwk !== 'object')) throw new JwsFormatError(`signatures[${i}]: jwk must be an object`);
  return o as unknown as JwsSignature;
}

/** Read `formatLength`/`formatTail` from a protected header (libtrust's rules). */
export function protectedFormat(protectedB64: string): { formatLength: number; formatTail: Buffer; time?: string } {
  let hdr: Record<string, unknown>;
  try {
    hdr = JSON.parse(b64urlDecode(protectedB64).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new JwsFormatError('protected header is not base64url JSON');
  }
  if (!hdr || typeof hdr !== 'object') throw new JwsFormatError('protected header is not an object');
  if (!('formatLength' in hdr)) throw new JwsFormatError('missing formatted length');
  if (typeof hdr.formatLength !== 'number') throw new JwsFormatError('formatted length not a number');
  if (typeof hdr.formatTail !== 'string') throw new JwsFormatError('missing format tail');
  const formatLength = Math.trunc(hdr.formatLength);
  let formatTail: Buffer;
  try {
    formatTail = b64urlDecode(hdr.formatTail);
  } catch {
    throw new JwsFormatError('format tail is not base64url');
  }
  return { formatLength, formatTail, time: typeof hdr.time === 'string' ? hdr.time : undefined };
}

/** Take a signed document apart; the payload is rebuilt from the raw bytes, never re-serialised. */
export function parsePrettySignature(raw: Uint8Array, key = 'signatures'): ParsedPrettySignature {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw new JwsFormatError('invalid JSON content');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new JwsFormatError('invalid JSON content');
  const sigs = (doc as Record<string, unknown>)[key];
  if (sigs === undefined) throw new JwsFormatError('missing signature key');
  if (!Array.isArray(sigs)) throw new JwsFormatError('signatures must be an array');
  if (sigs.length === 0) throw new JwsFormatError('no signatures');
  // libtrust has no cap; each signature costs a key parse and a verification (~4 ms for P-521), so a
  // 4 MiB manifest of ~7000 copies cost 30 s of CPU. Real ones carry one (docker, distribution).
  if (sigs.length > MAX_SIGNATURES) throw new JwsFormatError(`${sigs.length} signatures (at most ${MAX_SIGNATURES})`);
  const signatures = sigs.map(asSignature);
  let fmt: { formatLength: number; formatTail: Buffer } | undefined;
  for (const s of signatures) {
    const f = protectedFormat(s.protected);
    if (!fmt) fmt = f;
    else if (f.formatLength !== fmt.formatLength || !f.formatTail.equals(fmt.formatTail)) throw new JwsFormatError('signatures disagree on formatLength/formatTail');
  }
  const { formatLength, formatTail } = fmt!;
  if (formatLength < 0 || formatLength > raw.length) throw new JwsFormatError('invalid format length');
  const payload = Buffer.concat([raw.subarray(0, formatLength), formatTail]);
  return { payload, formatLength, formatTail, signatures };
}

/**
 * libtrust `PrettySignature`: `payload[:formatLength]`, then `,\n<indent>"signatures": ` and the
 * array pretty-printed with prefix and indent = the payload's indent, then `\n}` (or the compact
 * form when the payload has no indent). No trailing newline.
 */
export function renderPrettySignature(payload: Uint8Array, formatLength: number, sigs: JwsSignature[], key = 'signatures'): Buffer {
  const signatures = sigs.map(goOrder);
  const indent = detectIndent(payload);
  const head = Buffer.from(payload.subarray(0, formatLength));
  if (!indent) return Buffer.concat([head, Buffer.from(`,"${key}":${JSON.stringify(signatures)}}`)]);
  const body = JSON.stringify(signatures, null, indent).replace(/\n/g, `\n${indent}`);
  return Buffer.concat([head, Buffer.from(`,\n${indent}"${key}": ${body}\n}`)]);
}

/** Go's field order for a signature (`header{jwk,alg,x5c}`, `signature`, `protected`); jwk keys sorted (a Go map). */
function goOrder(s: JwsSignature): JwsSignature {
  const header: JwsSignature['header'] = s.header.jwk ? { jwk: sortKeys(s.header.jwk), alg: s.header.alg } : { alg: s.header.alg };
  if (s.header.x5c?.length) header.x5c = s.header.x5c;
  return { header, signature: s.signature, protected: s.protected };
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

export { b64urlEncode };
