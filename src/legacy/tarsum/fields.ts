import type { RawHeader } from './header.js';

export type TarsumVersion = 'v0' | 'v1' | 'dev';
export type TarsumHash = 'sha256' | 'sha512';
/** The two eras of expected values (protocol-notes §5.5): Go 1.4/moby 1.6 (2015) or moby ≥2018 on Go ≥1.11. */
export type TarsumCompat = 2015 | 2018;

export const VERSION_LABELS: Record<TarsumVersion, string> = { v0: 'tarsum', v1: 'tarsum.v1', dev: 'tarsum.dev' };

/**
 * The header string TarSum hashes before the body (§5.2): `key + value` for each field in the
 * version's order, no separators; v1/dev append the xattrs sorted by key. latin1 = raw bytes.
 * The 2018 era writes `uname`/`gname` with empty values (moby a422774e59).
 */
export function headerString(h: RawHeader, version: TarsumVersion, compat: TarsumCompat): string {
  const uname = compat === 2018 ? '' : h.uname;
  const gname = compat === 2018 ? '' : h.gname;
  let s = `name${h.name}mode${h.mode}uid${h.uid}gid${h.gid}size${h.size}`;
  if (version === 'v0') s += `mtime${h.mtime}`;
  s += `typeflag${String.fromCharCode(h.typeflag)}linkname${h.linkname}uname${uname}gname${gname}devmajor${h.devmajor}devminor${h.devminor}`;
  if (version !== 'v0' && h.xattrs.size > 0) {
    for (const k of [...h.xattrs.keys()].sort()) s += k + h.xattrs.get(k)!;
  }
  return s;
}

/** Go `path.Clean(path.Join(".", path.Join("/", name)))`: the name used only to detect duplicates. */
export function normalisedName(name: string): string {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.length ? out.join('/') : '.';
}

export interface FileSum {
  name: string;
  sum: string;
  pos: number;
}

/**
 * Order the file sums (§5.3 step 2): by sum when every normalised name is unique; otherwise with
 * upstream's comparator `(same name) ? pos : sum`. That comparator is not a strict order, so the
 * result depends on the algorithm: Go sorts n ≤ 7 (both eras) by insertion sort, reproduced here;
 * longer lists with duplicates use a stable sort with the same comparator.
 */
export function sortFileSums(sums: FileSum[]): FileSum[] {
  const names = new Set(sums.map((s) => s.name));
  const list = [...sums];
  if (names.size === sums.length) return list.sort((a, b) => (a.sum < b.sum ? -1 : a.sum > b.sum ? 1 : 0));
  const less = (a: FileSum, b: FileSum): boolean => (a.name === b.name ? a.pos < b.pos : a.sum < b.sum);
  if (list.length <= 7) {
    for (let i = 1; i < list.length; i++) {
      for (let j = i; j > 0 && less(list[j]!, list[j - 1]!); j--) [list[j], list[j - 1]] = [list[j - 1]!, list[j]!];
    }
    return list;
  }
  return list.sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
}

/** Parse `tarsum[.<v>]+<hash>:<hex>` into its parts; undefined when it is not a tarsum digest. */
export function parseTarsumDigest(s: string): { version: TarsumVersion; hash: TarsumHash; hex: string } | undefined {
  const m = /^tarsum(?:\.(v1|dev))?\+(sha256|sha512):([a-f0-9]+)$/.exec(s);
  if (!m) return undefined;
  const hash = m[2] as TarsumHash;
  if (m[3]!.length !== (hash === 'sha256' ? 64 : 128)) return undefined;
  return { version: (m[1] ?? 'v0') as TarsumVersion, hash, hex: m[3]! };
}
