// Measure dist and its peer side by side: several runs, the two sides alternating, medians kept.
import { median } from './stats.mjs';

/**
 * sides: { dist: fn | string, peer: fn | string }. A function is called as fn(runIndex) and resolves
 * to one number (or undefined when the figure has no value this run); a string says why that side
 * is absent ("not available", "missing: skopeo"). Even runs start with the peer, odd runs with dist.
 * Resolves to { dist, peer, samples } where dist/peer are medians, or the reason they are absent.
 */
export async function measurePair(ctx, label, sides, runs = ctx.opts.runs) {
  const samples = { dist: [], peer: [] };
  const failed = {};
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['peer', 'dist'] : ['dist', 'peer'];
    for (const side of order) {
      const fn = sides[side];
      if (typeof fn !== 'function') continue;
      try {
        const v = await fn(i);
        if (v !== undefined) samples[side].push(v);
      } catch (e) {
        const msg = String(e.message ?? e).split('\n')[0];
        failed[side] ??= `failed: ${msg.slice(0, 70)}`;
        ctx.log(`  ${label} [${side}] run ${i + 1} failed: ${String(e.message ?? e).split('\n').slice(0, 4).join(' | ')}`);
      }
    }
  }
  // A side that failed in some runs keeps the median of its good runs (the log says which failed).
  const pick = (side) => (typeof sides[side] === 'string' ? sides[side] : samples[side].length ? median(samples[side]) : failed[side] ?? 'no data');
  return { dist: pick('dist'), peer: pick('peer'), samples };
}

/** Throw when a command result failed, with the tail of its stderr. */
export function check(res, what) {
  if (res.code === 0) return res;
  const lines = res.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const key = lines.find((l) => /^(dist:|Error|.*level=fatal|.*Error:)/.test(l)) ?? lines[0] ?? '';
  throw new Error(`${what} exited ${res.code}: ${key}${lines.length > 1 ? ` … ${lines[lines.length - 1]}` : ''}`);
}

/**
 * Like measurePair, but each run of a side yields several figures at once ({ key: number }), e.g. one
 * server start measured at 1, 16 and 64 connections. Resolves to { key: { dist, peer } } of medians/reasons.
 */
export async function measureMany(ctx, label, keys, sides, runs = ctx.opts.runs) {
  const per = { dist: [], peer: [] };
  const wrap = (side) => (typeof sides[side] === 'string' ? sides[side] : async (i) => { per[side].push(await sides[side](i)); return 0; });
  const r = await measurePair(ctx, label, { dist: wrap('dist'), peer: wrap('peer') }, runs);
  const out = {};
  for (const k of keys) {
    const pick = (side) => {
      if (typeof r[side] === 'string') return r[side];
      const v = per[side].map((o) => o[k]).filter((x) => x !== undefined);
      return v.length ? median(v) : 'no data';
    };
    const runs = (side) => (typeof r[side] === 'string' ? [] : per[side].map((o) => o[k]).filter((x) => x !== undefined));
    out[k] = { dist: pick('dist'), peer: pick('peer'), samples: { dist: runs('dist'), peer: runs('peer') } };
  }
  return out;
}
