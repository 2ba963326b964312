import { describe, expect, it } from 'vitest';
import { advantage, cell, formatMarkdown, formatTable, median, mibps, percentile, verdict, type Row } from '../../bench/lib/stats.mjs';

describe('bench statistics', () => {
  it('median of odd and even counts, ignoring non-finite values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('nearest-rank percentile', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 100)).toBe(100);
    expect(percentile([3], 99)).toBe(3);
  });

  it('throughput and the direction of the ratio by unit', () => {
    expect(mibps(300 * 1024 * 1024, 2)).toBe(150);
    expect(advantage(300, 150, 'MiB/s')).toBe(2); // faster is better
    expect(advantage(1, 2, 's')).toBe(2); // shorter is better
    expect(advantage(50, 100, 'MiB')).toBe(2); // less memory is better
    expect(advantage('not available', 100, 'MiB')).toBeNaN();
  });

  it('verdicts for ratio, strict-ahead and absolute targets', () => {
    const base = { figure: 'f', peerName: 'p' };
    expect(verdict({ ...base, unit: 'MiB/s', dist: 310, peer: 150, target: { ratio: 2 } })).toBe('ok');
    expect(verdict({ ...base, unit: 'MiB/s', dist: 290, peer: 150, target: { ratio: 2 } })).toBe('MISS');
    expect(verdict({ ...base, unit: 'req/s', dist: 100, peer: 100, target: { ratio: 1, ahead: true } })).toBe('MISS');
    expect(verdict({ ...base, unit: 'ms', dist: 149, peer: 20, target: { max: 150 } })).toBe('ok');
    expect(verdict({ ...base, unit: 'MiB', dist: 151, peer: 20, target: { max: 150 } })).toBe('MISS');
    expect(verdict({ ...base, unit: 'MiB/s', dist: 'not available', peer: 150, target: { ratio: 2 } })).toBe('');
  });

  it('cells show units, reasons and a dash for no value', () => {
    expect(cell(151.4, 'MiB/s')).toBe('151 MiB/s');
    expect(cell(1.234, 's')).toBe('1.23 s');
    expect(cell('missing: wrk', 'req/s')).toBe('missing: wrk');
    expect(cell(NaN, 'ms')).toBe('-');
  });

  it('formats aligned text and markdown tables with ratio and verdict', () => {
    const rows: Row[] = [
      { figure: 'pull', unit: 'MiB/s', dist: 400, peer: 150, peerName: 'skopeo', target: { ratio: 2 } },
      { figure: 'rss', unit: 'MiB', dist: 'not available', peer: 20, peerName: 'skopeo', target: { max: 150, unit: 'MiB' } },
    ];
    const text = formatTable(rows).split('\n');
    expect(text[0]).toMatch(/^figure\s+\|\s+dist \|\s+peer \| ratio \|\s+target \|$/);
    expect(text[2]).toContain('400 MiB/s');
    expect(text[2]).toContain('150 MiB/s (skopeo)');
    expect(text[2]).toContain('2.67x');
    expect(text[2]).toMatch(/\| ok$/);
    expect(text[3]).toContain('not available');
    expect(new Set(text.map((l) => l.indexOf('|'))).size).toBe(1); // columns aligned
    const md = formatMarkdown(rows).split('\n');
    expect(md).toHaveLength(4);
    expect(md[2]).toBe('| pull | 400 MiB/s | 150 MiB/s (skopeo) | 2.67x | >= 2x | ok |');
  });
});
