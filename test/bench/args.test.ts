import { describe, expect, it } from 'vitest';
import { DEFAULT_GROUPS, GROUPS, parseArgs, sizeLabel, sizesFor } from '../../bench/lib/args.mjs';
import { parseWrk, wrkScript } from '../../bench/lib/wrk.mjs';

describe('bench options', () => {
  it('defaults to every group of the issue (not the extras), 5 runs; --quick means one run', () => {
    const o = parseArgs([]);
    expect([...o.only]).toEqual(DEFAULT_GROUPS);
    expect(o.only.has('s3')).toBe(false);
    expect([...parseArgs(['--only', 'all']).only]).toEqual(GROUPS);
    expect([...parseArgs(['--only', 's3']).only]).toEqual(['s3']);
    expect(o.runs).toBe(5);
    expect(parseArgs(['--quick']).runs).toBe(1);
    expect(parseArgs(['--quick', '--runs', '2']).runs).toBe(2);
  });

  it('--only takes groups and aliases, and rejects unknown names', () => {
    expect([...parseArgs(['--only', 'pull,memory']).only]).toEqual(['pull', 'memory']);
    expect([...parseArgs(['--only=serving']).only]).toEqual(['manifest', 'blob', 'pushes']);
    expect(() => parseArgs(['--only', 'pul'])).toThrow(/unknown figure group "pul"/);
    expect(() => parseArgs(['--runs', '0'])).toThrow(/--runs/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option --fast/);
  });

  it('labels sizes as the issue names them', () => {
    expect(sizeLabel(1024 ** 3)).toBe('1 GiB');
    expect(sizeLabel(64 * 1024 ** 2)).toBe('64 MiB');
    expect(sizesFor(false).bigLabel).toBe('1 GiB/4 layers');
    expect(sizesFor(false).hugeLabel).toBe('a 2 GiB layer');
    expect(sizesFor(true).big[1]).toBeLessThan(sizesFor(false).big[1]);
  });
});

describe('wrk glue', () => {
  it('parses the JSON summary printed by the Lua done() hook', () => {
    const out = 'Running 1s test\nBENCHJSON {"requests":2000,"bytes":4194304,"duration_us":2000000,"connect":0,"read":0,"write":0,"status":3,"timeout":1,"p50_us":900,"p99_us":2500}\n';
    const r = parseWrk(out);
    expect(r.rps).toBe(1000);
    expect(r.mibps).toBe(2);
    expect(r.p99ms).toBe(2.5);
    expect(r.errors).toBe(4);
    expect(() => parseWrk('no summary')).toThrow(/no summary/);
  });

  it('the Lua script rotates over every path', () => {
    const s = wrkScript(['/v2/a/blobs/x', '/v2/a/blobs/y']);
    expect(s).toContain('"/v2/a/blobs/x", "/v2/a/blobs/y"');
    expect(s).toContain('paths[(i % #paths) + 1]');
  });
});
