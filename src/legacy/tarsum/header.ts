/**
 * Raw tar header parsing for TarSum: the fields exactly as stored (mode with its type bits, the
 * raw typeflag byte, PAX `SCHILY.xattr.*` values as bytes). Strings are latin1 so that every byte
 * round-trips unchanged into the hash.
 */
export const BLOCK = 512;

export type TarFormat = 'v7' | 'ustar' | 'star' | 'gnu';

export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** The raw typeflag byte (0 for an old-style NUL regular file). */
  typeflag: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  format: TarFormat;
  /** PAX prefix field (joined into `name` by the caller's era rules). */
  prefix: string;
  xattrs: Map<string, string>;
}

/** Thrown for a malformed archive. */
export class TarError extends Error {}

/** Go `cString`: bytes up to the first NUL. */
export function cString(b: Uint8Array): string {
  const i = b.indexOf(0);
  return Buffer.from(i < 0 ? b : b.subarray(0, i)).toString('latin1');
}

/** Go's numeric field: base-256 when the high bit is set, else octal with spaces/NULs trimmed. */
export function parseNumeric(b: Uint8Array): number {
  if (b.length > 0 && (b[0]! & 0x80) !== 0) {
    const neg = (b[0]! & 0x40) !== 0;
    let v = 0n;
    for (let i = 0; i < b.length; i++) {
      let c = b[i]!;
      if (i === 0) c &= 0x7f;
      if (neg) c ^= 0xff;
      v = (v << 8n) | BigInt(c);
    }
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new TarError('numeric field out of range');
    return neg ? -n - 1 : n;
  }
  const s = Buffer.from(b).toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  if (s === '') return 0;
  const t = s.replace(/\0.*$/s, '');
  if (!/^[0-7]+$/.test(t)) throw new TarError(`invalid octal field "${s}"`);
  return parseInt(t, 8);
}

function checksumOk(block: Uint8Array): boolean {
  const given = parseNumeric(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return given === unsigned || given === signed;
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Parse one 512-byte header block (checksum verified). `devAlways`: read devmajor/minor for every type (Go ≥1.10). */
export function parseHeader(block: Uint8Array, devAlways: boolean): RawHeader {
  if (!checksumOk(block)) throw new TarError('invalid tar header checksum');
  const magic = Buffer.from(block.subarray(257, 265)).toString('latin1');
  let format: TarFormat = 'v7';
  if (magic.startsWith('ustar\0')) format = Buffer.from(block.subarray(508, 512)).toString('latin1') === 'tar\0' ? 'star' : 'ustar';
  else if (magic === 'ustar  \0') format = 'gnu';
  const typeflag = block[156]!;
  const h: RawHeader = {
    name: cString(block.subarray(0, 100)),
    mode: parseNumeric(block.subarray(100, 108)),
    uid: parseNumeric(block.subarray(108, 116)),
    gid: parseNumeric(block.subarray(116, 124)),
    size: parseNumeric(block.subarray(124, 136)),
    mtime: parseNumeric(block.subarray(136, 148)),
    typeflag,
    linkname: cString(block.subarray(157, 257)),
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
    format,
    prefix: '',
    xattrs: new Map(),
  };
  if (h.size < 0) throw new TarError('negative size in tar header');
  if (format !== 'v7') {
    h.uname = cString(block.subarray(265, 297));
    h.gname = cString(block.subarray(297, 329));
    if (devAlways || typeflag === 0x33 || typeflag === 0x34) {
      h.devmajor = parseNumeric(block.subarray(329, 337));
      h.devminor = parseNumeric(block.subarray(337, 345));
    }
    h.prefix = cString(block.subarray(345, format === 'star' ? 476 : 500));
  }
  return h;
}

/** PAX records (`"<len> <key>=<value>\n"`), values as latin1 byte strings. */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const n = Number(data.subarray(off, sp).toString('latin1'));
    if (!Number.isInteger(n) || n <= sp - off || off + n > data.length) throw new TarError('invalid PAX record');
    const rec = data.subarray(sp + 1, off + n - (data[off + n - 1] === 0x0a ? 1 : 0));
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new TarError('invalid PAX record');
    out.set(rec.subarray(0, eq).toString('latin1'), rec.subarray(eq + 1).toString('latin1'));
    off += n;
  }
  return out;
}

/** Apply PAX records to a header (Go `mergePAX`). */
export function mergePax(h: RawHeader, pax: Map<string, string>): void {
  // Go's strconv.ParseInt (uid, gid, size) and parsePAXTime (mtime): anything else is ErrHeader
  const bad = (k: string, v: string): TarError => new TarError(`invalid PAX ${k} "${v.slice(0, 40)}"`);
  const int = (k: string, v: string): number => {
    const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw bad(k, v);
    return n;
  };
  const time = (k: string, v: string): number => {
    const m = /^([+-]?\d+)(?:\.(\d*))?$/.exec(v);
    if (!m) throw bad(k, v);
    const secs = Number(m[1]);
    if (!Number.isSafeInteger(secs)) throw bad(k, v);
    // seconds, rounded down (a negative time with a fraction is one second earlier), as Go's Unix()
    return m[1]!.startsWith('-') && /[1-9]/.test(m[2] ?? '') ? secs - 1 : secs;
  };
  for (const [k, v] of pax) {
    if (k === 'path') h.name = v;
    else if (k === 'linkpath') h.linkname = v;
    else if (k === 'uname') h.uname = v;
    else if (k === 'gname') h.gname = v;
    else if (k === 'uid') h.uid = int(k, v);
    else if (k === 'gid') h.gid = int(k, v);
    else if (k === 'size') {
      h.size = int(k, v);
      if (h.size < 0) throw bad(k, v);
    }
    else if (k === 'mtime') h.mtime = time(k, v);
    else if (k.startsWith('SCHILY.xattr.')) h.xattrs.set(k.slice('SCHILY.xattr.'.length), v);
  }
}
