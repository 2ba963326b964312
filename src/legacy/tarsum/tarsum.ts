import { createHash, type Hash } from 'node:crypto';
import { BLOCK, cString, isZeroBlock, mergePax, parseHeader, parsePax, TarError, type RawHeader } from './header.js';
import { headerString, normalisedName, sortFileSums, VERSION_LABELS, type FileSum, type TarsumCompat, type TarsumHash, type TarsumVersion } from './fields.js';

export interface TarsumOptions {
  version?: TarsumVersion;
  hash?: TarsumHash;
  /** Bytes hashed before the file sums (docker v1 used the image JSON). */
  extra?: Uint8Array;
  /** Era of expected values; default 2015 (what the V2.0 registry and docker 1.6 computed). */
  compat?: TarsumCompat;
  /** At most this many entries (each one's name and sum is held until the end, to sort). Default 2^20. */
  maxEntries?: number;
  /** At most this many bytes of entry names in total. Default 64 MiB. */
  maxNameBytes?: number;
}

/**
 * Every entry's name and sum is held until the end (the sums are sorted by name, as Go's tarsum
 * does): without a bound, a few MiB of gzipped empty entries or 1 MiB long names inflate to GiBs of
 * heap (1M entries cost ~160 MiB). Real layers have up to a few hundred thousand files.
 */
export const MAX_ENTRIES = 1 << 20;
export const MAX_NAME_BYTES = 64 * 1024 * 1024;

const MAX_META = 1024 * 1024;
const HEADER_ONLY = new Set([0x31, 0x32, 0x33, 0x34, 0x35, 0x36]);
const T_PAX = 0x78;
const T_GLOBAL = 0x67;
const T_LONGNAME = 0x4c;
const T_LONGLINK = 0x4b;

type State =
  | { kind: 'header' }
  | { kind: 'meta'; header: RawHeader; left: number; chunks: Buffer[] }
  | { kind: 'body'; left: number }
  | { kind: 'skip'; left: number }
  | { kind: 'end' };

/**
 * Incremental TarSum over a plain tar stream (§5.3): feed bytes with `update`, then `digest()`.
 * One pass, constant memory apart from one 64-char sum per entry; bodies go straight to node:crypto.
 */
export class TarSum {
  readonly version: TarsumVersion;
  readonly hash: TarsumHash;
  readonly compat: TarsumCompat;
  private readonly extra?: Uint8Array;
  private state: State = { kind: 'header' };
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  private pax?: Map<string, string>;
  private longName?: string;
  private longLink?: string;
  private entry?: Hash;
  private entryName = '';
  private readonly sums: FileSum[] = [];
  private pad = 0;
  /** Metadata bytes read since the last entry. */
  private metaBytes = 0;
  private nameBytes = 0;
  private readonly maxEntries: number;
  private readonly maxNameBytes: number;

  constructor(opts: TarsumOptions = {}) {
    this.version = opts.version ?? 'v1';
    this.hash = opts.hash ?? 'sha256';
    this.compat = opts.compat ?? 2015;
    this.extra = opts.extra;
    this.maxEntries = opts.maxEntries ?? MAX_ENTRIES;
    this.maxNameBytes = opts.maxNameBytes ?? MAX_NAME_BYTES;
  }

  get entries(): number {
    return this.sums.length;
  }

  update(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      const st = this.state;
      if (st.kind === 'end') return;
      if (st.kind === 'header') {
        const n = Math.min(BLOCK - this.blockFill, chunk.length - off);
        chunk.copy(this.block, this.blockFill, off, off + n);
        this.blockFill += n;
        off += n;
        if (this.blockFill === BLOCK) {
          this.blockFill = 0;
          this.onHeader(this.block);
        }
      } else {
        const n = Math.min(st.left, chunk.length - off);
        if (st.kind === 'body') this.entry!.update(chunk.subarray(off, off + n));
        else if (st.kind === 'meta') st.chunks.push(Buffer.from(chunk.subarray(off, off + n)));
        st.left -= n;
        off += n;
        if (st.left === 0) this.onDone(st);
      }
    }
  }

  /** The TarSum of everything fed so far; throws if the archive ended inside an entry. */
  digest(): string {
    const st = this.state;
    if (st.kind !== 'end' && !(st.kind === 'header' && this.blockFill === 0)) throw new TarError('unexpected end of tar archive');
    const h = createHash(this.hash);
    if (this.extra) h.update(this.extra);
    for (const s of sortFileSums(this.sums)) h.update(s.sum, 'latin1');
    return `${VERSION_LABELS[this.version]}+${this.hash}:${h.digest('hex')}`;
  }

  private onHeader(block: Buffer): void {
    if (isZeroBlock(block)) {
      this.state = { kind: 'end' };
      return;
    }
    const h = parseHeader(block, this.compat === 2018);
    const special = h.typeflag === T_PAX || h.typeflag === T_LONGNAME || h.typeflag === T_LONGLINK || (h.typeflag === T_GLOBAL && this.compat === 2018);
    if (special) {
      // per entry, not per header: consecutive PAX/long-name headers are merged, so their total is capped
      this.metaBytes += h.size;
      if (this.metaBytes > MAX_META) throw new TarError('tar metadata (PAX, long names) larger than 1 MiB for one entry');
      this.pad = padOf(h.size);
      this.state = { kind: 'meta', header: h, left: h.size, chunks: [] };
      if (h.size === 0) this.onDone(this.state);
      return;
    }
    this.startEntry(this.finalHeader(h));
  }

  /** Apply prefix, PAX records and GNU long names, and the era's typeflag rule (Go's reader). */
  private finalHeader(h: RawHeader): RawHeader {
    if (h.prefix && (h.format === 'ustar' || h.format === 'star' || (h.format === 'gnu' && this.compat === 2015))) h.name = `${h.prefix}/${h.name}`;
    if (this.compat === 2018 && h.typeflag === 0) h.typeflag = h.name.endsWith('/') ? 0x35 : 0x30;
    if (this.pax) mergePax(h, this.pax);
    if (this.longName !== undefined) h.name = this.longName;
    if (this.longLink !== undefined) h.linkname = this.longLink;
    this.pax = this.longName = this.longLink = undefined;
    return h;
  }

  private startEntry(h: RawHeader): void {
    this.metaBytes = 0;
    this.entry = createHash(this.hash).update(headerString(h, this.version, this.compat), 'latin1');
    this.entryName = normalisedName(h.name);
    const body = (this.compat === 2018 && HEADER_ONLY.has(h.typeflag)) ? 0 : h.size;
    this.pad = padOf(body);
    this.state = { kind: 'body', left: body };
    if (body === 0) this.onDone(this.state);
  }

  private onDone(st: State): void {
    const pad = this.pad;
    this.pad = 0;
    if (st.kind === 'body') {
      this.keep(this.entryName, this.entry!.digest('hex'));
      this.entry = undefined;
    } else if (st.kind === 'meta') {
      const data = Buffer.concat(st.chunks);
      const t = st.header.typeflag;
      if (t === T_LONGNAME) this.longName = cString(data);
      else if (t === T_LONGLINK) this.longLink = cString(data);
      else if (t === T_PAX) this.pax = new Map([...(this.pax ?? []), ...parsePax(data)]);
      else if (t === T_GLOBAL) this.globalEntry(st.header, parsePax(data));
    }
    this.state = st.kind !== 'skip' && pad > 0 ? { kind: 'skip', left: pad } : { kind: 'header' };
  }

  /** Go ≥1.10 returns a PAX global header as an entry with only name, typeflag and xattrs set. */
  private globalEntry(h: RawHeader, records: Map<string, string>): void {
    this.metaBytes = 0;
    const g: RawHeader = { ...h, mode: 0, uid: 0, gid: 0, size: 0, mtime: 0, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0, xattrs: new Map() };
    if (g.prefix && (g.format === 'ustar' || g.format === 'star')) g.name = `${g.prefix}/${g.name}`;
    mergePax(g, new Map([...records].filter(([k]) => k.startsWith('SCHILY.xattr.'))));
    const sum = createHash(this.hash).update(headerString(g, this.version, this.compat), 'latin1').digest('hex');
    this.keep(normalisedName(g.name), sum);
  }

  private keep(name: string, sum: string): void {
    this.nameBytes += name.length;
    if (this.sums.length >= this.maxEntries) throw new TarError(`tar archive has more than ${this.maxEntries} entries`);
    if (this.nameBytes > this.maxNameBytes) throw new TarError(`tar entry names exceed ${this.maxNameBytes} bytes in total`);
    this.sums.push({ name, sum, pos: this.sums.length });
  }
}

function padOf(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}
