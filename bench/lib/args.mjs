// Command-line options of bench/run.mjs and the sizes each mode uses (pure; unit-tested).

export const GROUPS = ['startup', 'pull', 'push', 'repush', 'copy', 'manifest', 'blob', 'pushes', 'memory', 's3'];
/** Groups outside the list that take long or need extra set-up: run them with --only. */
export const EXTRA_GROUPS = ['s3'];
export const DEFAULT_GROUPS = GROUPS.filter((g) => !EXTRA_GROUPS.includes(g));
const ALIASES = { all: GROUPS, serving: ['manifest', 'blob', 'pushes'], transfer: ['pull', 'push', 'repush', 'copy'], serve: ['manifest', 'blob', 'pushes'] };

export const USAGE = `usage: npm run bench -- [--quick] [--only GROUP[,GROUP…]] [--runs N] [--keep]
  --quick      small sizes and one run each (a smoke test, ~1 minute)
  --only       run only these figure groups: ${GROUPS.join(', ')} (aliases: serving, transfer, all);
               the default is every group except ${EXTRA_GROUPS.join(', ')} (to stay within 10 minutes)
  --runs N     runs per figure (median is reported; default 5, --quick 1)
  --keep       keep the run's work directory (bench/.work/run-PID: logs, data dirs) for inspection`;

/** Parse argv (without node and script). Returns { quick, runs, memRuns, only:Set, keep, help } or throws on bad input. */
export function parseArgs(argv) {
  const o = { quick: false, runs: undefined, keep: false, help: false, only: new Set(DEFAULT_GROUPS) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i] ?? (() => { throw new Error(`${flag} needs a value`); })();
    if (flag === '--quick') o.quick = true;
    else if (flag === '--keep') o.keep = true;
    else if (flag === '--help' || flag === '-h') o.help = true;
    else if (flag === '--runs') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > 15) throw new Error('--runs wants an integer from 1 to 15');
      o.runs = n;
    } else if (flag === '--only') {
      const wanted = value().split(',').map((s) => s.trim()).filter(Boolean);
      const set = new Set();
      for (const w of wanted) {
        if (ALIASES[w]) ALIASES[w].forEach((g) => set.add(g));
        else if (GROUPS.includes(w)) set.add(w);
        else throw new Error(`unknown figure group "${w}" (known: ${GROUPS.join(', ')}, serving, transfer, all)`);
      }
      o.only = set;
    } else throw new Error(`unknown option ${a}`);
  }
  o.runs ??= o.quick ? 1 : 5;
  o.memRuns = 1; // peak RSS varies by a few MiB between runs; two 2 GiB passes per side would cost ~80 s more
  return o;
}

const MiB = 1024 * 1024;

/** Human size: 1 GiB, 256 MiB, 512 KiB. */
export function sizeLabel(bytes) {
  if (bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)} GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/** Image sizes and durations for a mode. */
export function sizesFor(quick) {
  const s = quick
    ? { big: [4, 16 * MiB], blobs: [16, 4 * MiB], huge: [1, 128 * MiB], small: [32, 256 * 1024], wrkSeconds: 1 }
    : { big: [4, 256 * MiB], blobs: [16, 64 * MiB], huge: [1, 2048 * MiB], small: [32, 4 * MiB], wrkSeconds: 3 };
  return {
    ...s,
    bigLabel: `${sizeLabel(s.big[0] * s.big[1])}/${s.big[0]} layers`,
    blobLabel: sizeLabel(s.blobs[1]),
    hugeLabel: `a ${sizeLabel(s.huge[1])} layer`,
    smallLabel: sizeLabel(s.small[1]),
  };
}
