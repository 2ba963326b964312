/** One PEM block: its label (`EC PRIVATE KEY`, `CERTIFICATE`…), the text between the markers, the whole block. */
export interface PemBlock {
  label: string;
  body: string;
  text: string;
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
const END = /-----END ([A-Z0-9 ]+)-----/g;

/**
 * Every `-----BEGIN X-----…-----END X-----` block, each BEGIN closed by the nearest END of the same
 * label (what the lazy regex `BEGIN (X)-----[\s\S]*?-----END \1-----` matches), in linear time: that
 * regex rescans to the end of the text for every unclosed BEGIN (a 1 MiB file of BEGIN lines: ~20 s).
 * With `only`, markers of other labels are ignored.
 */
export function pemBlocks(text: string, only?: string): PemBlock[] {
  const ends = new Map<string, { at: number[]; next: number }>();
  for (const m of text.matchAll(END)) {
    if (only !== undefined && m[1] !== only) continue;
    const e = ends.get(m[1]!) ?? { at: [], next: 0 };
    e.at.push(m.index);
    ends.set(m[1]!, e);
  }
  const out: PemBlock[] = [];
  let consumed = 0;
  for (const m of text.matchAll(BEGIN)) {
    const label = m[1]!;
    if (m.index < consumed || (only !== undefined && label !== only)) continue;
    const e = ends.get(label);
    if (!e) continue;
    const from = m.index + m[0].length;
    while (e.next < e.at.length && e.at[e.next]! < from) e.next++;
    if (e.next === e.at.length) continue;
    const end = e.at[e.next]!;
    const close = end + `-----END ${label}-----`.length;
    out.push({ label, body: text.slice(from, end), text: text.slice(m.index, close) });
    consumed = close;
  }
  return out;
}
