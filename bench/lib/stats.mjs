// Pure helpers: statistics, units and the result table. No I/O here (unit-tested in test/bench/).

/** Median of a list of numbers (mean of the two middle values for even counts); NaN when empty. */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of a list of numbers; NaN when empty. */
export function percentile(values, p) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * v.length);
  return v[Math.min(v.length - 1, Math.max(0, rank - 1))];
}

const MiB = 1024 * 1024;

/**
 * How each kind of figure is printed and which direction is better.
 * `higher`: bigger is better (throughput, rps); otherwise smaller is better (time, latency, memory).
 */
export const UNITS = {
  'MiB/s': { higher: true, fmt: (x) => x.toFixed(0) },
  'req/s': { higher: true, fmt: (x) => x.toFixed(0) },
  s: { higher: false, fmt: (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1)) },
  ms: { higher: false, fmt: (x) => (x < 10 ? x.toFixed(2) : x.toFixed(0)) },
  MiB: { higher: false, fmt: (x) => x.toFixed(0) },
};

/** Throughput in MiB/s for `bytes` moved in `seconds`. */
export function mibps(bytes, seconds) {
  return seconds > 0 ? bytes / MiB / seconds : NaN;
}

/**
 * dist's advantage over the peer: >1 means dist is better, whatever the unit
 * (dist/peer for higher-is-better units, peer/dist for the others). NaN when either side is missing.
 */
export function advantage(dist, peer, unit) {
  if (!Number.isFinite(dist) || !Number.isFinite(peer) || dist <= 0 || peer <= 0) return NaN;
  return UNITS[unit]?.higher ? dist / peer : peer / dist;
}

/** One cell: a number in its unit, or the reason it is missing (e.g. "not available", "missing: wrk"). */
export function cell(value, unit) {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null || !Number.isFinite(value)) return '-';
  return `${(UNITS[unit]?.fmt ?? String)(value)} ${unit}`;
}

/**
 * Decide whether a row meets its target. Targets:
 *   { ratio: 2 }        advantage >= 2 (e.g. 2x skopeo's throughput)
 *   { max: 150 }        the dist value itself <= max (in the row's unit)
 *   { ratio: 1, ahead } advantage >= 1 (strictly > 1 when `ahead`)
 * Returns 'ok', 'MISS' or '' (no target or a side missing).
 */
export function verdict(row) {
  const t = row.target;
  if (!t) return '';
  if (t.max !== undefined) {
    if (!Number.isFinite(row.dist)) return '';
    return row.dist <= t.max ? 'ok' : 'MISS';
  }
  const a = advantage(row.dist, row.peer, row.unit);
  if (!Number.isFinite(a)) return '';
  if (t.ahead) return a > t.ratio ? 'ok' : 'MISS';
  return a >= t.ratio ? 'ok' : 'MISS';
}

/** Human text of a row's target. */
export function targetText(t) {
  if (!t) return '';
  if (t.max !== undefined) return `< ${t.max} ${t.unit ?? ''}`.trim();
  return `${t.ahead ? '>' : '>='} ${t.ratio}x`;
}

/**
 * Format rows as a fixed-width text table.
 * A row: { figure, unit, dist: number|string, peer: number|string, peerName, target?, runs? }.
 */
export function formatTable(rows) {
  const header = ['figure', 'dist', 'peer', 'ratio', 'target', ''];
  const body = rows.map((r) => {
    const a = advantage(r.dist, r.peer, r.unit);
    const peer = typeof r.peer === 'number' && r.peerName ? `${cell(r.peer, r.unit)} (${r.peerName})` : cell(r.peer, r.unit);
    return [r.figure, cell(r.dist, r.unit), peer, Number.isFinite(a) ? `${a.toFixed(2)}x` : '-', targetText(r.target), verdict(r)];
  });
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((line) => line[i].length)));
  const line = (cols) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(header), sep, ...body.map(line)].join('\n');
}

/** Same rows as a GitHub-flavoured Markdown table (for bench/README.md). */
export function formatMarkdown(rows) {
  const out = ['| figure | dist | peer | ratio | target | |', '|---|---:|---:|---:|---:|---|'];
  for (const r of rows) {
    const a = advantage(r.dist, r.peer, r.unit);
    const peer = typeof r.peer === 'number' && r.peerName ? `${cell(r.peer, r.unit)} (${r.peerName})` : cell(r.peer, r.unit);
    out.push(`| ${r.figure} | ${cell(r.dist, r.unit)} | ${peer} | ${Number.isFinite(a) ? `${a.toFixed(2)}x` : '-'} | ${targetText(r.target)} | ${verdict(r)} |`);
  }
  return out.join('\n');
}
