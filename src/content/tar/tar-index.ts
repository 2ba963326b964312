import * as fsp from 'node:fs/promises';
import { DistError } from '../../errors/errors.js';

/** Where one regular file's bytes sit inside a tar file. */
export interface TarEntry {
  name: string;
  offset: number;
  size: number;
}

const BLOCK = 512;
/** pax / GNU long-name headers are small; refuse absurd ones instead of allocating them. */
const MAX_META = 1024 * 1024;

function octal(buf: Buffer, start: number, len: number): number {
  const field = buf.subarray(start, start + len);
  if (field[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const s = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

function cstring(buf: Buffer, start: number, len: number): string {
  const s = buf.subarray(start, start + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? s.length : z).toString('utf8');
}

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.subarray(i, sp).toString('ascii'), 10);
    if (!len) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export function normalizeTarName(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

/**
 * Index the regular files of a tar archive by reading only its headers (seeking over file
 * data), so archives are served by random access and layers are never loaded into memory.
 * Handles ustar prefixes, pax `path`/`size` records and GNU long names.
 */
export async function indexTar(path: string): Promise<Map<string, TarEntry>> {
  const fh = await fsp.open(path, 'r');
  const entries = new Map<string, TarEntry>();
  try {
    const total = (await fh.stat()).size;
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    while (pos + BLOCK <= total) {
      await fh.read(header, 0, BLOCK, pos);
      if (header.every((b) => b === 0)) break;
      const type = String.fromCharCode(header[156] || 0x30);
      const size = pax.size !== undefined ? Number(pax.size) : octal(header, 124, 12);
      const dataAt = pos + BLOCK;
      if (!Number.isSafeInteger(size) || size < 0 || dataAt + size > total) {
        throw new DistError('ARCHIVE_INVALID', `${path}: truncated or corrupt tar at byte ${pos}`);
      }
      if (type === 'x' || type === 'L' || type === 'g') {
        if (size > MAX_META) throw new DistError('ARCHIVE_INVALID', `${path}: oversized tar metadata header`);
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, dataAt);
        if (type === 'x') pax = { ...pax, ...paxRecords(data) };
        if (type === 'L') longName = cstring(data, 0, data.length);
      } else {
        const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? cstring(header, 345, 155) : '';
        const base = cstring(header, 0, 100);
        const name = pax.path ?? longName ?? (prefix ? `${prefix}/${base}` : base);
        if (type === '0' || type === '\0' || type === '7') {
          entries.set(normalizeTarName(name), { name: normalizeTarName(name), offset: dataAt, size });
        }
        pax = {};
        longName = undefined;
      }
      pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    }
    return entries;
  } finally {
    await fh.close();
  }
}
