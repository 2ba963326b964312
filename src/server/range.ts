/**
 * Parse a request `Range` header for an entity of `size` bytes. Returns undefined when there is
 * no (usable) byte range — serve the whole entity — or 'unsatisfiable' (416). Only the first
 * range of a multi-range request is honoured.
 */
export function parseRange(h: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!h) return undefined;
  const m = /^bytes=\s*(.*)$/i.exec(h.trim());
  if (!m) return undefined;
  const first = m[1]!.split(',')[0]!.trim();
  const r = /^(\d{0,15})-(\d{0,15})$/.exec(first);
  if (!r || (r[1] === '' && r[2] === '')) return 'unsatisfiable';
  if (r[1] === '') {
    const suffix = Number(r[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(r[1]);
  const end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
