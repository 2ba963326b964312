/** A minimal ustar/PAX writer for test archives, with full control of the raw fields (typeflag NUL…). */
export interface TarEntry {
  name: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  /** Raw typeflag byte; default `'0'`. Use '\0' for an old-style regular file. */
  typeflag?: string;
  linkname?: string;
  uname?: string;
  gname?: string;
  body?: Buffer | string;
  /** Written as a PAX `x` header with `SCHILY.xattr.<k>` records. */
  xattrs?: Record<string, string>;
  /** Other PAX records (e.g. `path`). */
  pax?: Record<string, string>;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, e: TarEntry, typeflag: string): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100, 'latin1');
  b.write(octal(e.mode ?? 0, 8), 100, 'latin1');
  b.write(octal(e.uid ?? 0, 8), 108, 'latin1');
  b.write(octal(e.gid ?? 0, 8), 116, 'latin1');
  b.write(octal(size, 12), 124, 'latin1');
  b.write(octal(e.mtime ?? 0, 12), 136, 'latin1');
  b.write(typeflag, 156, 'latin1');
  b.write(e.linkname ?? '', 157, 100, 'latin1');
  b.write('ustar\x0000', 257, 'latin1');
  b.write(e.uname ?? '', 265, 32, 'latin1');
  b.write(e.gname ?? '', 297, 32, 'latin1');
  b.write(octal(0, 8), 329, 'latin1');
  b.write(octal(0, 8), 337, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of b) sum += c;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

const pad = (n: number): Buffer => Buffer.alloc((512 - (n % 512)) % 512);

function paxRecord(k: string, v: string): string {
  const body = ` ${k}=${v}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
  return `${len}${body}`;
}

export function tarEntry(e: TarEntry): Buffer {
  const body = typeof e.body === 'string' || e.body === undefined ? Buffer.from(e.body ?? '', 'latin1') : e.body;
  const parts: Buffer[] = [];
  const records: Array<[string, string]> = [...Object.entries(e.pax ?? {}), ...Object.entries(e.xattrs ?? {}).map(([k, v]): [string, string] => [`SCHILY.xattr.${k}`, v])];
  if (records.length) {
    const pax = Buffer.from(records.map(([k, v]) => paxRecord(k, v)).join(''), 'latin1');
    parts.push(header(`PaxHeaders/${e.name}`.slice(0, 99), pax.length, { name: '' }, 'x'), pax, pad(pax.length));
  }
  parts.push(header(e.name, body.length, e, e.typeflag ?? '0'), body, pad(body.length));
  return Buffer.concat(parts);
}

/** A whole archive: the entries and the two zero end blocks. */
export function tarOf(entries: TarEntry[]): Buffer {
  return Buffer.concat([...entries.map(tarEntry), Buffer.alloc(1024)]);
}
